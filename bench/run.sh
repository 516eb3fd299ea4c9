#!/usr/bin/env bash
# Runs every benchmark BENCHMARKS.md reports, coop next to raw Go (and
# gevent where it has the same work), in one session, and writes the raw
# outputs, benchstat's comparisons, the table and the plot to a results
# directory (bench/results by default).
#
#	bench/run.sh [-parts go,scale,gevent,report] [-install] [results-dir]
#
# The parts, all by default:
#
#	go      go test -bench for iox, netx and httpx, and benchstat's
#	        comparisons (go-*.txt, go.txt, go-cpu.txt, benchstat.txt)
#	scale   bench/scale in fresh processes (scale.txt)
#	gevent  bench/gevent/gbench.py, gevent doing the same work (gevent.txt)
#	report  bench/report: the table and the plot (table.md, ratios.svg)
#
# Before it starts it checks what the parts need and says what it found:
# Go for go, scale and report; benchstat for go (installed, at the version
# pinned below, into a temporary directory through the Go module proxy
# if it is not on PATH); Debian's gevent for gevent (apt-get install -y
# python3-gevent, which -install runs; it is run with /usr/bin/python3,
# or PYTHON). A part whose needs are missing is an error if it was asked
# for with -parts; in a full run the gevent part is skipped, saying so,
# and the gevent column stays empty.
#
# COUNT (default 6) is go test's -count, GEVENT_RUNS (default 3) the
# runs of each gevent benchmark. A full run takes about 15 minutes on 2
# cores; the gevent part alone about 3.
set -euo pipefail
cd "$(dirname "$0")/.."

benchstat_version=v0.0.0-20260908200009-22c9c6c9d4da # golang.org/x/perf
count="${COUNT:-6}"
gevent_runs="${GEVENT_RUNS:-3}"
python="${PYTHON:-/usr/bin/python3}"
gbench=bench/gevent/gbench.py

usage() {
	sed -n '7p' "$0" | sed 's/^#\t/usage: /' >&2
	exit 2
}
parts=go,scale,gevent,report
asked=false
install=false
while [ $# -gt 0 ]; do
	case "$1" in
	-parts)
		[ $# -ge 2 ] || usage
		parts="$2"
		asked=true
		shift 2
		;;
	-install)
		install=true
		shift
		;;
	-h | -help | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "run.sh: unknown flag $1" >&2
		usage
		;;
	*)
		break
		;;
	esac
done
[ $# -le 1 ] || usage
out="${1:-bench/results}"
for p in ${parts//,/ }; do
	case "$p" in
	go | scale | gevent | report) ;;
	*)
		echo "run.sh: -parts: unknown part $p (go, scale, gevent, report)" >&2
		exit 2
		;;
	esac
done
want() { [[ ",$parts," == *",$1,"* ]]; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== what the parts need"
if want go || want scale || want report; then
	if ! command -v go >/dev/null; then
		echo "run.sh: the go, scale and report parts need Go (https://go.dev/dl/), which is not on PATH" >&2
		exit 1
	fi
	echo "go: $(go version)"
fi
if want go; then
	if command -v benchstat >/dev/null; then
		benchstat="$(command -v benchstat)"
		echo "benchstat: $benchstat"
	elif [ -x "$(go env GOPATH)/bin/benchstat" ]; then
		benchstat="$(go env GOPATH)/bin/benchstat"
		echo "benchstat: $benchstat"
	else
		echo "benchstat: not found; installing golang.org/x/perf/cmd/benchstat@$benchstat_version into a temporary directory"
		GOBIN="$tmp/bin" go install "golang.org/x/perf/cmd/benchstat@$benchstat_version"
		benchstat="$tmp/bin/benchstat"
	fi
fi
if want gevent; then
	if ! { [ -x "$python" ] && "$python" -c 'import gevent' 2>/dev/null; } && $install; then
		echo "gevent: not found for $python; installing Debian's python3-gevent (-install)"
		if [ "$(id -u)" = 0 ]; then
			apt-get update && apt-get install -y python3-gevent
		else
			sudo apt-get update && sudo apt-get install -y python3-gevent
		fi
	fi
	if [ -x "$python" ] && "$python" -c 'import gevent' 2>/dev/null; then
		echo "gevent: $("$python" -c 'import gevent; print(gevent.__version__)') with $python"
	elif $asked; then
		echo "run.sh: the gevent part needs gevent for $python: apt-get install -y python3-gevent (or run.sh -install)" >&2
		exit 1
	else
		echo "gevent: not found for $python (apt-get install -y python3-gevent, or run.sh -install): the gevent part is skipped"
		parts="${parts//gevent/}"
		skipped_gevent=true
	fi
fi
mkdir -p "$out"

if want go; then
	echo "== Go benchmarks (-count $count)"
	for pkg in iox netx httpx; do
		go test -run '^$' -bench . -benchmem -count "$count" -timeout 120m "./$pkg" | tee "$out/go-$pkg.txt"
	done
	cat "$out"/go-iox.txt "$out"/go-netx.txt "$out"/go-httpx.txt >"$out/go.txt"
	go test -run '^$' -bench 'DoorStats' -cpu 1,2 -count "$count" ./iox | tee "$out/go-cpu.txt"

	echo "== benchstat"
	# One comparison per benchmark: its sub-benchmarks side by side, the
	# first (raw Go) as the base.
	compare() { # file column
		for name in $(grep -o '^Benchmark[A-Za-z0-9]*' "$1" | sort -u); do
			echo "#### ${name}"
			"$benchstat" -filter ".name:${name#Benchmark}" -col "$2" "$1" || true
		done
	}
	{
		compare "$out/go-iox.txt" /impl
		compare "$out/go-netx.txt" /impl
		compare "$out/go-httpx.txt" /client
		echo "#### BenchmarkDoorStats, -cpu 1,2"
		"$benchstat" -col /impl "$out/go-cpu.txt" || true
	} >"$out/benchstat.txt"
fi

if want scale; then
	echo "== scale (fresh processes)"
	go build -o "$tmp/scale" ./bench/scale
	: >"$out/scale.txt"
	for _ in 1 2 3; do
		"$tmp/scale" spawnmem | tee -a "$out/scale.txt"
		"$tmp/scale" timers | tee -a "$out/scale.txt"
		"$tmp/scale" http | tee -a "$out/scale.txt"
	done
	"$tmp/scale" idle -total 10000 -per 10000 | tee -a "$out/scale.txt"
	"$tmp/scale" idle -total 100000 -per 10000 | tee -a "$out/scale.txt"
fi

if want gevent; then
	echo "== gevent ($gbench, $gevent_runs runs each)"
	"$python" -c 'import gevent; print("gevent", gevent.__version__)' | tee "$out/gevent-version.txt"
	: >"$out/gevent.txt"
	for b in switch_sleep0 switch_channel switch_event spawn_join spawn_mem timers echo_inproc bulk_inproc http_2proc http_2proc_t2; do
		for _ in $(seq "$gevent_runs"); do
			"$python" "$gbench" "$b" | tee -a "$out/gevent.txt"
		done
	done
elif [ "${skipped_gevent:-}" = true ]; then
	echo "gevent not found: skipped" | tee "$out/gevent-version.txt"
	: >"$out/gevent.txt"
fi

if want report; then
	echo "== report"
	go run ./bench/report -dir "$out" | tee "$out/table.md"
fi
