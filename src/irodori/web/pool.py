"""A pool of worker processes that the event loop can wait on, and stop mid-job.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot stop one job
that runs over its time limit without breaking the whole pool. Here each
worker is one process behind one pipe; a job that runs past ``timeout_s``
gets its process killed and a fresh one started in its place, while the
other workers go on. The blocking pipe round trip runs in a small thread
pool, so the event loop only awaits.

Requests wait in FIFO order for a free worker; past ``max_waiting`` waiting
requests the pool refuses at once (:class:`PoolBusy`) instead of queueing
without bound. An idle worker that last saw the same line art (``key``) is
preferred, so per-process caches of a drawing stay warm while an artist
paints.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import signal
import sys
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

from .work import Job, Reply

_READY_TIMEOUT_S = 120.0


class PoolBusy(Exception):
    """Too many requests are already waiting for a worker."""


class JobTimeout(Exception):
    """A job ran over the time limit; its worker was replaced."""


class WorkerDied(Exception):
    """A worker process died during a job (crash or out of memory); it was replaced."""


class ClientGone(Exception):
    """The client went away while its job waited for a worker; the job was skipped."""


def _worker_main(conn: Any, threads: int, tmpdir: str | None, warm: str | None) -> None:
    """Entry point of a worker process: answer jobs from ``conn`` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle
    if tmpdir is not None:
        tempfile.tempdir = tmpdir
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:  # pragma: no cover - comes with scikit-learn
        pass
    import cv2

    cv2.setNumThreads(threads)
    from ..methods import method_names
    from .work import handle, warm_up

    names = method_names()  # import every method now, not during the first request
    if warm:
        warm_up(warm if warm in names else names[0])
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        conn.send(handle(job))


class _Worker:
    def __init__(self, ctx: Any, threads: int, tmpdir: str | None, warm: str | None) -> None:
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, threads, tmpdir, warm),
                                name="irodori-studio-worker", daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.key: str | None = None

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise RuntimeError(f"studio worker did not start within {timeout:g} s")
        msg = self.conn.recv()
        if not (isinstance(msg, tuple) and msg[0] == "ready"):
            self.kill()
            raise RuntimeError(f"studio worker sent {msg!r} instead of ready")

    def roundtrip(self, job: Job) -> Reply:
        self.conn.send(job)
        reply = self.conn.recv()
        if not isinstance(reply, Reply):
            raise RuntimeError(f"studio worker answered {type(reply).__name__}")
        return reply

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(2.0)
        self.kill()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5.0)
        self.conn.close()


class WorkerPool:
    """``size`` worker processes running :func:`irodori.web.work.handle` (see module docstring)."""

    def __init__(self, size: int, timeout_s: float, max_waiting: int, tmpdir: str | None = None,
                 warm: str | None = None) -> None:
        self.size = size
        self.warm = warm
        self.timeout_s = timeout_s
        self.max_waiting = max_waiting
        self.tmpdir = tmpdir
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self._threads_per_worker = max(1, cores // size)
        self._ctx = mp.get_context("spawn")  # never fork a process that runs threads
        self._io = ThreadPoolExecutor(max_workers=2 * size + 2, thread_name_prefix="irodori-pool")
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.stats = {"done": 0, "timeouts": 0, "crashes": 0, "refused": 0, "skipped": 0}

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start every worker and wait until each has imported the methods."""
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(*(loop.run_in_executor(self._io, self._spawn)
                                         for _ in range(self.size)))
        self._idle.extend(workers)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self._threads_per_worker, self.tmpdir, self.warm)
        worker.wait_ready(_READY_TIMEOUT_S)
        return worker

    async def close(self) -> None:
        """Stop every worker; waiting requests get :class:`PoolBusy`."""
        self._closed = True
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_exception(PoolBusy("the server is shutting down"))
        for task in list(self._tasks):
            task.cancel()
        loop = asyncio.get_running_loop()
        idle, self._idle = self._idle, []
        busy, self._busy = list(self._busy), set()
        await asyncio.gather(*(loop.run_in_executor(self._io, w.stop) for w in idle),
                             *(loop.run_in_executor(self._io, w.kill) for w in busy))
        self._io.shutdown(wait=False, cancel_futures=True)

    @property
    def waiting(self) -> int:
        return sum(1 for f in self._waiters if not f.done())

    @property
    def busy(self) -> int:
        return len(self._busy)

    @property
    def alive(self) -> int:
        return len(self._idle) + len(self._busy)

    # ----------------------------------------------------------------- jobs
    async def run(self, job: Job, key: str | None = None,
                  gone: Callable[[], Awaitable[bool]] | None = None) -> Reply:
        """Run ``job`` on a free worker and return its Reply.

        ``key`` names the line art (for worker affinity); ``gone`` is checked
        once a worker is free, and a job whose client has gone is skipped.
        Raises PoolBusy, JobTimeout, WorkerDied or ClientGone.
        """
        worker = await self._acquire(key)
        if gone is not None:
            try:
                left = await gone()
            except BaseException:
                self._release(worker)
                raise
            if left:
                self._release(worker)
                self.stats["skipped"] += 1
                raise ClientGone("the client went away before its job started")
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self._io, worker.roundtrip, job)
        try:
            reply = await asyncio.wait_for(asyncio.shield(fut), self.timeout_s)
        except asyncio.TimeoutError:
            self.stats["timeouts"] += 1
            self._replace(worker)
            raise JobTimeout(f"the job ran over the time limit of {self.timeout_s:g} s") from None
        except asyncio.CancelledError:
            # The request was cancelled but the worker is still busy: free it when it finishes.
            fut.add_done_callback(lambda f: self._replace(worker) if f.exception() else self._release(worker))
            raise
        except Exception as e:  # noqa: BLE001  the pipe broke: the process died
            self.stats["crashes"] += 1
            self._replace(worker)
            raise WorkerDied(f"the worker stopped during the job ({type(e).__name__})") from None
        worker.key = key
        self.stats["done"] += 1
        self._release(worker)
        return reply

    async def _acquire(self, key: str | None) -> _Worker:
        if self._closed:
            raise PoolBusy("the server is shutting down")
        for dead in [w for w in self._idle if not w.proc.is_alive()]:
            self._idle.remove(dead)  # died while idle (killed from outside): start a fresh one
            self._replace(dead)
        if self._idle:
            pick = next((i for i, w in enumerate(self._idle) if key is not None and w.key == key),
                        len(self._idle) - 1)
            worker = self._idle.pop(pick)
            self._busy.add(worker)
            return worker
        if self.waiting >= self.max_waiting:
            self.stats["refused"] += 1
            raise PoolBusy(f"the server is busy ({self.waiting} requests waiting); try again shortly")
        fut: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self._release(fut.result())  # handed a worker just as we were cancelled
            else:
                try:
                    self._waiters.remove(fut)
                except ValueError:
                    pass
            raise

    def _release(self, worker: _Worker) -> None:
        self._busy.discard(worker)
        if self._closed:
            worker.stop()
            return
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                self._busy.add(worker)
                fut.set_result(worker)
                return
        self._idle.append(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a fresh one in its place, in the background."""
        self._busy.discard(worker)
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._respawn(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respawn(self, dead: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._io, dead.kill)
        if self._closed:
            return
        try:
            fresh = await loop.run_in_executor(self._io, self._spawn)
        except Exception as e:  # noqa: BLE001
            print(f"irodori studio: could not restart a worker: {e}", file=sys.stderr)
            return
        if self._closed:
            await loop.run_in_executor(self._io, fresh.stop)
            return
        self._release(fresh)
