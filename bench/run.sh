#!/usr/bin/env bash
# Runs every benchmark BENCHMARKS.md reports, coop next to raw Go (and
# gevent where it has the same work), in one session, and writes the raw
# outputs, benchstat's comparisons, the table and the plot to a results
# directory (bench/results by default).
#
#	bench/run.sh [results-dir]
#
# gevent comes from Debian (apt-get install -y python3-gevent) and runs
# with /usr/bin/python3; GBENCH points at its benchmark script. Without
# them the gevent column is left empty. A full run takes about 15 minutes
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/results}"
gbench="${GBENCH:-../shared/bench/gevent/gbench.py}"
count="${COUNT:-6}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== Go benchmarks (-count $count)"
for pkg in iox netx httpx; do
	go test -run '^$' -bench . -benchmem -count "$count" -timeout 120m "./$pkg" | tee "$out/go-$pkg.txt"
done
cat "$out"/go-iox.txt "$out"/go-netx.txt "$out"/go-httpx.txt > "$out/go.txt"
go test -run '^$' -bench 'DoorStats' -cpu 1,2 -count "$count" ./iox | tee "$out/go-cpu.txt"

echo "== benchstat"
# One comparison per benchmark: its sub-benchmarks side by side, the first
# (raw Go) as the base.
compare() { # file column
	for name in $(grep -o '^Benchmark[A-Za-z0-9]*' "$1" | sort -u); do
		echo "#### ${name}"
		benchstat -filter ".name:${name#Benchmark}" -col "$2" "$1" || true
	done
}
{
	compare "$out/go-iox.txt" /impl
	compare "$out/go-netx.txt" /impl
	compare "$out/go-httpx.txt" /client
	echo "#### BenchmarkDoorStats, -cpu 1,2"
	benchstat -col /impl "$out/go-cpu.txt" || true
} > "$out/benchstat.txt"

echo "== scale (fresh processes)"
go build -o "$tmp/scale" ./bench/scale
: > "$out/scale.txt"
for i in 1 2 3; do
	"$tmp/scale" spawnmem | tee -a "$out/scale.txt"
	"$tmp/scale" timers | tee -a "$out/scale.txt"
	"$tmp/scale" http | tee -a "$out/scale.txt"
done
"$tmp/scale" idle -total 10000 -per 10000 | tee -a "$out/scale.txt"
"$tmp/scale" idle -total 100000 -per 10000 | tee -a "$out/scale.txt"

echo "== gevent"
: > "$out/gevent.txt"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import gevent' 2>/dev/null && [ -f "$gbench" ]; then
	/usr/bin/python3 -c 'import gevent; print("gevent", gevent.__version__)' | tee "$out/gevent-version.txt"
	for b in switch_sleep0 switch_channel switch_event spawn_join spawn_mem timers echo_inproc bulk_inproc http_2proc http_2proc_t2; do
		for i in 1 2 3; do
			/usr/bin/python3 "$gbench" "$b" | tee -a "$out/gevent.txt"
		done
	done
else
	echo "gevent not found: skipped" | tee "$out/gevent-version.txt"
fi

echo "== report"
go run ./bench/report -dir "$out" | tee "$out/table.md"
