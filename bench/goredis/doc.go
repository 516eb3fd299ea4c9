// Package goredis checks coop's drop-ins on a real library: it runs the
// standalone specs of github.com/redis/go-redis/v9, fetched through the Go
// module proxy at test time, against a redis-server it starts on an
// ephemeral port, once as published and once with the imports of net,
// time and crypto/tls in go-redis's sources swapped for netx, timex and
// tlsx (nothing else edited), and compares the outcomes spec by spec.
//
// The comparison is slow (two builds and two runs of some 500 specs) and
// needs redis-server, so it runs only when asked:
//
//	go test ./bench/goredis -goredis -v -timeout 30m
//
// Without -goredis only the import rewriter's own tests run.
package goredis
