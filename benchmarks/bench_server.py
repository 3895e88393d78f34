"""Benchmark: the studio server under concurrent clients (loopback only).

Starts ``irodori serve`` as a subprocess on a free loopback port, then sends
``POST /api/colorize`` requests with a 1 MP synthetic drawing (from
:mod:`irodori.synthetic`) and a set of hints that changes from request to
request, as an artist's session does. Each client sends its next request as
soon as the last one is answered (closed loop); every phase is bounded in
request count and in time. Prints, per phase, latency p50/p95/max,
throughput and errors, and compares 1 client against 8 in the same run;
with ``--compare-workers`` it also runs a one-worker server against the
default pool (one process per core).

Run: ``.venv/bin/python benchmarks/bench_server.py [--clients 8] [--requests 64] [--method fill]``;
a new dot on an A4 page at 300 dpi (p95 over 20 dots, one client):
``benchmarks/bench_server.py --page a4 --clients 1 --requests 20 --single-requests 20 --method fill``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
import numpy as np
from PIL import Image

from irodori.synthetic import make_lineart


@dataclass
class Phase:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0  # server CPU seconds (all processes) during the phase

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children, from /proc (0 where unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                total += sum(cpu_seconds(int(c)) for c in f.read().split())
    except (OSError, ValueError, IndexError):
        pass
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, method_timeout: float) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "irodori", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--timeout", str(method_timeout), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def workload(size: int, seed: int, page: str = "") -> tuple[bytes, list[dict]]:
    """A ``size`` x ``size`` drawing (or an A4 page at 300 dpi, 2480 x 3508, with 148 dots when
    ``page == "a4"``) as PNG bytes and its per-region point hints (JSON dicts)."""
    if page == "a4":
        drawing = make_lineart(3508, 2480, n_shapes=150, gap=0.003 * 3508, seed=seed, shape_size=(0.03, 0.12))
        hints = drawing.hints(n=min(148, drawing.n_regions), seed=seed).to_dict()["hints"]
    else:
        drawing = make_lineart(size, size, n_shapes=24, seed=seed)
        hints = drawing.hints(seed=seed).to_dict()["hints"]
    buf = io.BytesIO()
    Image.fromarray(np.rint(255 * (1 - drawing.ink)).astype(np.uint8)).save(buf, format="PNG", dpi=(300, 300))
    return buf.getvalue(), hints


def run_phase(url: str, phase: Phase, lineart: bytes, hints: list[dict], method: str,
              total: int, budget_s: float, fmt: str) -> Phase:
    """``phase.clients`` closed-loop clients share ``total`` requests; stops at ``budget_s``."""
    lock = threading.Lock()
    counter = iter(range(total))
    stop_at = time.monotonic() + budget_s

    def client(k: int) -> None:
        rng = np.random.default_rng(k)
        with httpx.Client(timeout=120) as http:
            while time.monotonic() < stop_at:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                # Drop one hint at random: every request is a new hint set, as while painting.
                drop = int(rng.integers(len(hints))) if len(hints) > 1 else -1
                body = json.dumps({"version": 1, "hints": [h for j, h in enumerate(hints) if j != drop]})
                t0 = time.perf_counter()
                try:
                    r = http.post(f"{url}/api/colorize", data={"method": method, "hints": body, "format": fmt},
                                  files={"lineart": ("page.png", lineart, "image/png")})
                    ok = r.status_code == 200
                    err = None if ok else f"{r.status_code} {r.text[:120]}"
                except httpx.HTTPError as e:
                    err = f"{type(e).__name__}: {e}"
                dt = time.perf_counter() - t0
                with lock:
                    if err is None:
                        phase.latencies.append(dt)
                    else:
                        phase.errors.append(err)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(phase.clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.wall = time.perf_counter() - t0
    return phase


def direct_phase(lineart: bytes, hints: list[dict], method: str, total: int) -> Phase:
    """The same work without the server: decode, colour and encode in this process, one at a time."""
    from irodori.web.work import Job, handle

    phase = Phase("direct", 1)
    rng = np.random.default_rng(0)
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(total):
        drop = int(rng.integers(len(hints))) if len(hints) > 1 else -1
        body = json.dumps({"version": 1, "hints": [h for j, h in enumerate(hints) if j != drop]})
        t0 = time.perf_counter()
        reply = handle(Job(op="colorize", lineart=lineart, method=method, hints=body))
        (phase.latencies if reply.status == 200 else phase.errors).append(time.perf_counter() - t0)
    phase.wall = time.perf_counter() - t_start
    phase.cpu = time.process_time() - cpu_start
    return phase


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=64, help="requests in the concurrent phase")
    ap.add_argument("--single-requests", type=int, default=16, help="requests in the 1-client phase")
    ap.add_argument("--size", type=int, default=1000, help="drawing side in pixels (1000 = 1 MP)")
    ap.add_argument("--page", default="", choices=["", "a4"],
                    help="a4: an A4 page at 300 dpi with 148 dots instead of --size (the studio target of issue 14)")
    ap.add_argument("--method", default="fill")
    ap.add_argument("--format", default="png", choices=["png", "json"])
    ap.add_argument("--workers", type=int, default=0, help="server worker processes (0 = one per core)")
    ap.add_argument("--compare-workers", action="store_true", help="also run a 1-worker server")
    ap.add_argument("--budget", type=float, default=60.0, help="time limit of each phase (s)")
    args = ap.parse_args()

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lineart, hints = workload(args.size, seed=3, page=args.page)
    w, h = Image.open(io.BytesIO(lineart)).size
    print(f"workload: {w}x{h} = {w * h / 1e6:.1f} MP line art ({len(lineart) / 1024:.0f} KiB PNG), "
          f"{len(hints)} point hints (one dropped per request), method={args.method}, format={args.format}, "
          f"{cores} CPU cores")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on this machine skews every number)")
    direct_phase(lineart, hints, args.method, 2)  # warm-up: imports, first-call costs
    direct = direct_phase(lineart, hints, args.method, args.single_requests)
    servers = [args.workers or cores]
    if args.compare_workers and 1 not in servers:
        servers.insert(0, 1)
    rows: list[tuple[int, Phase]] = []
    for workers in servers:
        port = free_port()
        proc = start_server(port, workers, method_timeout=60)
        url = f"http://127.0.0.1:{port}"
        try:
            run_phase(url, Phase("warm-up", 1), lineart, hints, args.method, 2, 30, args.format)
            for clients, total in ((1, args.single_requests), (args.clients, args.requests)):
                cpu0 = cpu_seconds(proc.pid)
                phase = run_phase(url, Phase(f"{clients} client(s)", clients), lineart, hints, args.method,
                                  total, args.budget, args.format)
                phase.cpu = cpu_seconds(proc.pid) - cpu0
                rows.append((workers, phase))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    print()
    print(f"{'workers':>7} {'clients':>7} {'requests':>8} {'errors':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} "
          f"{'req/s':>7} {'CPU s/req':>9}")
    for workers, p in rows:
        n = len(p.latencies) + len(p.errors)
        print(f"{workers:>7} {p.clients:>7} {len(p.latencies):>8} {len(p.errors):>6} {p.pct(.5):>7.3f} "
              f"{p.pct(.95):>7.3f} {max(p.latencies, default=float('nan')):>7.3f} {p.throughput:>7.2f} "
              f"{p.cpu / max(n, 1):>9.3f}")
    for workers, p in rows:
        for e in p.errors[:3]:
            print(f"  error ({workers} workers, {p.clients} clients): {e}")
    print(f"{'direct':>7} {1:>7} {len(direct.latencies):>8} {len(direct.errors):>6} {direct.pct(.5):>7.3f} "
          f"{direct.pct(.95):>7.3f} {max(direct.latencies, default=float('nan')):>7.3f} {direct.throughput:>7.2f} "
          f"{direct.cpu / max(len(direct.latencies), 1):>9.3f}   (no server: irodori.web.work.handle in this process)")
    print()
    by = {(w, p.clients): p for w, p in rows}
    one = by[(servers[-1], 1)]
    direct_cpu = direct.cpu / max(len(direct.latencies), 1)
    one_cpu = one.cpu / max(len(one.latencies) + len(one.errors), 1)
    print(f"server overhead, 1 client vs direct: p50 x{one.pct(.5) / direct.pct(.5):.2f} "
          f"(+{1000 * (one.pct(.5) - direct.pct(.5)):.0f} ms); CPU per request x{one_cpu / direct_cpu:.2f} "
          f"(+{1000 * (one_cpu - direct_cpu):.0f} ms, load-independent)")
    for workers in servers:
        one, many = by[(workers, 1)], by[(workers, args.clients)]
        print(f"{workers} worker(s): {args.clients} clients vs 1 client: throughput x{many.throughput / one.throughput:.2f}, "
              f"p50 x{many.pct(.5) / one.pct(.5):.2f}, p95 x{many.pct(.95) / one.pct(.95):.2f}")
    if len(servers) > 1:
        a, b = by[(servers[0], args.clients)], by[(servers[-1], args.clients)]
        print(f"{args.clients} clients, {servers[-1]} workers vs {servers[0]}: throughput x{b.throughput / a.throughput:.2f}, "
              f"p95 x{b.pct(.95) / a.pct(.95):.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    busy = by[(servers[-1], args.clients)]
    per_req = busy.cpu / max(len(busy.latencies) + len(busy.errors), 1)
    if per_req > 0:
        # A model, not a measurement: what the same CPU work gives on cores nobody else uses.
        rate = min(servers[-1], cores) / per_req
        print(f"server CPU per request {per_req:.3f} s: on {min(servers[-1], cores)} otherwise idle cores at most "
              f"{rate:.1f} req/s, so about {args.clients / rate:.2f} s per request with {args.clients} clients")
    main_phase = by[(servers[-1], args.clients)]
    ok = not main_phase.errors and main_phase.pct(.95) < 2.0
    print(f"target (0 errors, p95 < 2 s at {args.clients} clients, {servers[-1]} workers): "
          f"{'met' if ok else 'NOT met'} (errors {len(main_phase.errors)}, p95 {main_phase.pct(.95):.3f} s)")


if __name__ == "__main__":
    main()
