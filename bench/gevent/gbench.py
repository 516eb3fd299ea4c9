#!/usr/bin/python3
"""gevent doing the work of coop's benchmarks, for BENCHMARKS.md's gevent column.

    /usr/bin/python3 bench/gevent/gbench.py NAME     # one benchmark, one line
    /usr/bin/python3 bench/gevent/gbench.py list     # the names, with the Go benchmark each mirrors

Each benchmark prints one line, "name value unit [value unit ...]", the
format bench/report reads (gevent.txt). Only the standard library and
gevent are used: Debian's python3-gevent is all it needs.

Each benchmark does what the Go benchmark named in its docstring does, so
that bench/report can put the three figures (raw Go, coop, gevent) in one
row. Keep the two in step: change the work here when it changes there.
"""

from gevent import monkey

monkey.patch_all()  # before anything imports socket, time or urllib

import resource
import socket
import subprocess
import sys
import time

import gevent
from gevent.event import Event
from gevent.pywsgi import WSGIServer
from gevent.queue import Channel
from gevent.server import StreamServer

HANDOFFS = 1_000_000  # hand-offs per switch benchmark
TASKS = 100_000  # greenlets per spawn/memory/timer benchmark

BENCHMARKS = {}


def benchmark(fn):
    """Registers fn under its name."""
    BENCHMARKS[fn.__name__] = fn
    return fn


def report(name, *figures):
    """Prints name and its (value, unit) pairs on one line."""
    print(name, *(f"{v} {u}" for v, u in figures), flush=True)


def per_handoff(elapsed, handoffs):
    return round(elapsed / handoffs * 1e9, 1), "ns/switch"


def run_pair(a, b):
    """Runs two greenlets to their end and returns the wall time."""
    start = time.perf_counter()
    gevent.joinall([gevent.spawn(a), gevent.spawn(b)], raise_error=True)
    return time.perf_counter() - start


# Hand-offs: two greenlets passing the turn back and forth.


@benchmark
def switch_sleep0():
    """iox BenchmarkHandOff: two tasks alternating with Yield in Cooperative mode."""
    rounds = HANDOFFS // 2

    def alternate():
        for _ in range(rounds):
            gevent.sleep(0)

    report("switch_sleep0", per_handoff(run_pair(alternate, alternate), HANDOFFS))


@benchmark
def switch_channel():
    """iox BenchmarkChannelHandOff: ping-pong over two unbuffered channels."""
    rounds = HANDOFFS // 2
    ping, pong = Channel(), Channel()

    def left():
        for i in range(rounds):
            ping.put(i)
            pong.get()

    def right():
        for _ in range(rounds):
            pong.put(ping.get())

    report("switch_channel", per_handoff(run_pair(left, right), HANDOFFS))


@benchmark
def switch_event():
    """iox BenchmarkFlagHandOff: ping-pong over two events (Flag in coop)."""
    rounds = HANDOFFS // 2
    mine, yours = Event(), Event()

    def left():
        for _ in range(rounds):
            yours.set()
            mine.wait()
            mine.clear()

    def right():
        for _ in range(rounds):
            yours.wait()
            yours.clear()
            mine.set()

    report("switch_event", per_handoff(run_pair(left, right), HANDOFFS))


# Spawning, memory and timers.


@benchmark
def spawn_join():
    """iox BenchmarkSpawnJoin: start 100,000 tasks that return at once, join them all."""
    start = time.perf_counter()
    greenlets = [gevent.spawn(int) for _ in range(TASKS)]
    gevent.joinall(greenlets)
    elapsed = time.perf_counter() - start
    report("spawn_join", (round(elapsed / TASKS * 1e6, 3), "us/greenlet"))


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@benchmark
def spawn_mem():
    """bench/scale spawnmem: peak RSS with 100,000 tasks blocked in a sleep."""
    before = rss_mib()
    greenlets = [gevent.spawn(gevent.sleep, 60) for _ in range(TASKS)]
    gevent.sleep(0.5)  # every greenlet has started and is asleep
    sleeping = sum(1 for g in greenlets if g.started and not g.dead)
    if sleeping != TASKS:
        raise RuntimeError(f"{sleeping} of {TASKS} greenlets asleep")
    during = rss_mib()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gevent.killall(greenlets)
    report("spawn_mem_peak_rss", (round(peak, 1), "MiB"),
           (round(during - before, 1), "delta_MiB"),
           (int((during - before) * 1024 * 1024 / TASKS), "per_greenlet_B"),
           (round(before, 1), "baseline_MiB"))


@benchmark
def timers():
    """bench/scale timers: 100,000 tasks each sleeping 100 ms; the wall time of all."""
    start = time.perf_counter()
    gevent.joinall([gevent.spawn(gevent.sleep, 0.1) for _ in range(TASKS)])
    report("sleep_timers", (round(time.perf_counter() - start, 3), "s_wall"))


# TCP on loopback.


def echo(sock, _addr):
    """Echoes until EOF (io.Copy(c, c) in the Go benchmark)."""
    with sock:
        while data := sock.recv(65536):
            sock.sendall(data)


def discard(sock, _addr):
    """Reads until EOF."""
    with sock:
        while sock.recv(65536):
            pass


def recv_exactly(sock, n):
    got = 0
    while got < n:
        data = sock.recv(n - got)
        if not data:
            raise RuntimeError("EOF before the echo")
        got += len(data)


@benchmark
def echo_inproc():
    """netx BenchmarkEchoMany: 1,000 clients x 100 round trips of 64 B, server in the same process."""
    clients, rounds, size = 1000, 100, 64
    server = StreamServer(("127.0.0.1", 0), echo, backlog=4096)
    server.start()
    msg = b"x" * size

    def client():
        with socket.create_connection(("127.0.0.1", server.server_port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(rounds):
                s.sendall(msg)
                recv_exactly(s, size)

    start = time.perf_counter()
    gevent.joinall([gevent.spawn(client) for _ in range(clients)], raise_error=True)
    elapsed = time.perf_counter() - start
    server.stop()
    report("echo_inproc", (int(clients * rounds / elapsed), "rt/s"))


@benchmark
def bulk_inproc():
    """netx BenchmarkBulk: 1 GiB in 64 KiB writes over one connection, reader in the same process."""
    total, chunk = 1 << 30, b"\0" * (64 << 10)
    server = StreamServer(("127.0.0.1", 0), discard)
    server.start()
    with socket.create_connection(("127.0.0.1", server.server_port)) as s:
        start = time.perf_counter()
        for _ in range(total // len(chunk)):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):  # the reader has it all once it closes
            pass
        elapsed = time.perf_counter() - start
    server.stop()
    report("bulk_inproc", (round(total / elapsed / 1e6, 1), "MB/s"))


# HTTP: bench/scale http, the seed program's pattern.

PAGE = b"a" * 1024


def page(_environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(len(PAGE)))])
    return [PAGE]


@benchmark
def http_server():
    """Not a benchmark: the HTTP benchmarks' server, in a process of its own; prints its port."""
    server = WSGIServer(("127.0.0.1", 0), page, log=None, backlog=4096)
    server.start()
    print(server.server_port, flush=True)
    server.serve_forever()


def http_clients(join_timeout):
    """100 clients x 100 GETs of the 1 KiB page, a new connection each (urllib
    does not keep connections alive), against a server in its own process.
    Returns how many finished (by join_timeout, if given) and the wall time."""
    import urllib.request

    clients, requests = 100, 100
    server = subprocess.Popen([sys.executable, __file__, "http_server"], stdout=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{int(server.stdout.readline())}/"
        finished = 0

        def client():
            nonlocal finished
            for _ in range(requests):
                with urllib.request.urlopen(url) as resp:
                    if len(resp.read()) != len(PAGE):
                        raise RuntimeError("short page")
                finished += 1

        start = time.perf_counter()
        greenlets = [gevent.spawn(client) for _ in range(clients)]
        gevent.joinall(greenlets, timeout=join_timeout)
        elapsed = time.perf_counter() - start
        gevent.killall(greenlets)
        return finished, elapsed
    finally:
        server.kill()
        server.wait()


@benchmark
def http_2proc():
    """bench/scale http, nokeepalive: requests per second."""
    n, elapsed = http_clients(None)
    report("http_2proc", (int(n / elapsed), "req/s"), (n, "completed"), (round(elapsed, 3), "wall_s"))


@benchmark
def http_2proc_t2():
    """bench/scale http, nokeepalive/join2s: how many of the 10,000 finish within a 2 s join."""
    n, elapsed = http_clients(2)
    report("http_2proc_timeout2", (int(n / elapsed), "req/s"), (n, "completed"), (round(elapsed, 3), "wall_s"))


# The server side: httpx's BenchmarkServer drives this server with the same
# 64 keep-alive Go clients as net/http's and httpx's servers.

HELLO = b"hello, world\n"


def hello(_environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(HELLO)))])
    return [HELLO]


@benchmark
def wsgi_server():
    """Not a benchmark: httpx's BenchmarkServer/server=gevent-WSGIServer, a greenlet per request; prints its port."""
    server = WSGIServer(("127.0.0.1", 0), hello, log=None, backlog=4096)
    server.start()
    print(server.server_port, flush=True)
    server.serve_forever()


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    name = argv[1]
    if name == "list":
        for n, fn in BENCHMARKS.items():
            print(f"{n:16} {fn.__doc__.splitlines()[0]}")
        return 0
    if name not in BENCHMARKS:
        print(f"gbench: no benchmark {name!r}; gbench.py list names them", file=sys.stderr)
        return 2
    BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
