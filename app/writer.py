"""One writer thread per log in this process, fed by a queue.

Request threads put their item on the queue and wait. The writer takes everything queued (up
to ``max_batch``, first come first served), hands the batch to ``process``, and wakes each
submitter once its job is settled. ``process`` settles each job (``succeed`` or ``fail``);
anything it raises becomes the error of the jobs it left unsettled. The thread starts with the
first submission and ends after ``idle`` seconds without work (the next submission starts a new
one), so a process that forked after an append, or an engine no longer used, keeps no writer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class Job:
    """One submitted item and, once processed, its outcome.

    ``done`` is a lock held until the job is settled and handed back (a plain lock costs far
    less to make and to signal than an ``Event``, one per request)."""

    item: Any
    settled: bool = False
    done: threading.Lock = field(default_factory=_held_lock, repr=False)
    _result: Any = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)

    def succeed(self, result: Any) -> None:
        self._result, self.settled = result, True

    def fail(self, error: BaseException) -> None:
        self._error, self.settled = error, True

    def outcome(self) -> Any:
        """The result, or raise the error."""
        if self._error is not None:
            raise self._error
        return self._result


class Writer:
    """Serial batches of ``process(jobs)`` on one thread, in arrival order."""

    def __init__(
        self, process: Callable[[list[Job]], None], max_batch: int = 256, idle: float = 5.0
    ):
        self.process = process
        self.max_batch = max_batch
        self.idle = idle
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, item: Any) -> Any:
        """Process ``item`` in the next batch; return its result or raise its error."""
        job = Job(item)
        with self._lock:
            self._queue.put(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
                self._thread.start()
        job.done.acquire()  # released by the writer once the job is settled
        return job.outcome()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle)
            except queue.Empty:
                with self._lock:  # a submitter holding the lock has queued and will see us gone
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._run_batch(batch)

    def _run_batch(self, batch: list[Job]) -> None:
        try:
            self.process(batch)
        except BaseException as exc:  # the writer lives on: the next batch runs
            for job in batch:
                if not job.settled:
                    job.fail(exc)
        finally:
            for job in batch:
                if not job.settled:
                    job.fail(RuntimeError("the batch ended without an outcome"))
                job.done.release()
