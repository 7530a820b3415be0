"""Group commit: submissions that arrive together are handled as one batch, by one thread.

A thread submits its item and waits. If no batch is running, it becomes the leader: it takes
everything queued (up to ``max_batch``, first come first served), hands the batch to the
``process`` function, and wakes the submitters whose items are done. A leader leads until its
own item is done, then the next waiting thread takes over, so no request waits behind more
than the batches queued ahead of it. ``process`` settles each job (``succeed`` or ``fail``);
anything it raises becomes the error of the jobs it left unsettled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Job:
    """One submitted item and, once processed, its outcome."""

    item: Any
    settled: bool = False
    done: bool = field(default=False, repr=False)  # its batch is over
    wake: threading.Event = field(default_factory=threading.Event, repr=False)
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


class GroupCommit:
    """Leader/follower batching of ``process(jobs)`` calls (one at a time per instance).

    Each waiting submitter sleeps on its own event: it is woken when its batch is over, or to
    lead the next batch (the oldest waiting job's submitter leads), never for nothing.
    """

    def __init__(self, process: Callable[[list[Job]], None], max_batch: int = 256):
        self.process = process
        self.max_batch = max_batch
        self._queue: list[Job] = []
        self._leading = False
        self._lock = threading.Lock()

    def submit(self, item: Any) -> Any:
        """Process ``item`` in the next batch; return its result or raise its error."""
        job = Job(item)
        with self._lock:
            self._queue.append(job)
            leads = not self._leading
            self._leading = True
        while True:
            if not leads:
                job.wake.wait()
                job.wake.clear()
                if job.done:
                    return job.outcome()
            with self._lock:  # this thread leads: its job is queued, first or in a batch ahead
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            try:
                self.process(batch)
            except BaseException as exc:
                for each in batch:
                    if not each.settled:
                        each.fail(exc)
            finally:
                with self._lock:
                    for each in batch:
                        each.done = True
                    successor = None
                    if job.done:  # hand the lead to the oldest waiting job, if any
                        successor = self._queue[0] if self._queue else None
                        self._leading = successor is not None
                if successor is not None:  # first: the lock should not wait for a leader
                    successor.wake.set()
                for each in batch:
                    if each is not job:
                        each.wake.set()
            if job.done:
                return job.outcome()
            leads = True
