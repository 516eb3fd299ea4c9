module github.com/coop-go/coop

go 1.25.0

require (
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/petermattis/goid v0.0.0-20261109124353-7cfa343ad0ab
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.58.0
	golang.org/x/tools v0.49.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/mod v0.39.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
