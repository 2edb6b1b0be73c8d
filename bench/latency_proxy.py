"""A TCP proxy that delays every chunk by a fixed time each way: a database server across a network.

On one machine PostgreSQL answers over loopback in some tens of microseconds, so a benchmark
there cannot show what round trips cost a council whose database runs on another host (a few
hundred microseconds each way inside a data centre). Run the benchmarks through this instead:

    python bench/latency_proxy.py --listen 6543 --to 127.0.0.1:5432 --delay-ms 0.25 &
    python bench/bench_transitions.py --db postgresql://postgres@127.0.0.1:6543/test

Each direction of each connection has a reader thread, which stamps what it receives with the
time it is due, and a writer thread, which sends it no earlier than that: order is kept, and
what arrives together leaves together. The proxy's own cost (some tens of microseconds, and a
share of the CPU) falls on both sides of a comparison alike.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import socket
import threading
import time


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    due: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()

    def read() -> None:
        try:
            while data := source.recv(65536):
                due.put((time.perf_counter() + delay, data))
        except OSError:
            pass
        due.put((0.0, b""))

    def write() -> None:
        try:
            while True:
                at, data = due.get()
                if not data:
                    break
                wait = at - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=write, daemon=True).start()


def serve(listen: int, host: str, port: int, delay: float) -> None:
    server = socket.create_server(("127.0.0.1", listen))
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection((host, port), timeout=10)
        upstream.settimeout(None)
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _pump(client, upstream, delay)
        _pump(upstream, client, delay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, default=6543, help="port on 127.0.0.1")
    parser.add_argument("--to", default="127.0.0.1:5432", help="HOST:PORT of the server")
    parser.add_argument("--delay-ms", type=float, default=0.25, help="added each way (ms)")
    args = parser.parse_args()
    host, _, port = args.to.rpartition(":")
    serve(args.listen, host, int(port), args.delay_ms / 1000)


if __name__ == "__main__":
    main()
