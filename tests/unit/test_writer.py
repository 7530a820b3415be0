"""The writer thread: every item processed once, in order, with its own outcome."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.writer import Job, Writer


def _record_batches(fill=None):
    """A ``process`` recording its batches; ``fill(batch)``, if given, runs before each one."""
    batches: list[list[int]] = []
    active = threading.Lock()

    def process(jobs: list[Job]) -> None:
        assert active.acquire(blocking=False), "two batches ran at once"
        try:
            if fill is not None:
                fill(jobs)
            batches.append([job.item for job in jobs])
            for job in jobs:
                if job.item % 7 == 3:
                    job.fail(ValueError(f"refused {job.item}"))
                else:
                    job.succeed(job.item * 10)
        finally:
            active.release()

    return batches, process


def _until(condition, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (a busy machine may be slow to run the submitters)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.001)


def test_concurrent_items_are_batched_and_each_gets_its_own_outcome():
    total, max_batch = 200, 8
    writer = None

    def fill(jobs: list[Job]) -> None:
        # A slow commit lets the queue fill up behind it: hold each batch until a full next
        # batch (or every item left) is queued, whatever the machine's speed.
        left = total - sum(len(batch) for batch in batches) - len(jobs)
        _until(lambda: writer._queue.qsize() >= min(max_batch, left))

    batches, process = _record_batches(fill)
    writer = Writer(process, max_batch=max_batch)

    def submit(item: int):
        try:
            return writer.submit(item)
        except ValueError as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(submit, range(total)))

    assert results == [f"refused {i}" if i % 7 == 3 else i * 10 for i in range(total)]
    processed = [item for batch in batches for item in batch]
    assert sorted(processed) == list(range(total)), "each item exactly once"
    assert [len(batch) for batch in batches[1:-1]] == [max_batch] * (len(batches) - 2), (
        "items queued behind a running batch share the next one, up to max_batch"
    )


def test_items_of_one_thread_keep_their_order():
    batches, process = _record_batches()
    writer = Writer(process)
    for item in (1, 2, 4, 5, 6):
        assert writer.submit(item) == item * 10
    with pytest.raises(ValueError, match="refused 3"):
        writer.submit(3)
    assert [item for batch in batches for item in batch] == [1, 2, 4, 5, 6, 3]


def test_an_exception_fails_every_unsettled_job_of_the_batch_and_the_next_batch_runs():
    batches = []
    release = threading.Event()
    first = threading.Event()

    def process(jobs: list[Job]) -> None:
        batches.append([job.item for job in jobs])
        if jobs[0].item == "a":
            first.set()
            release.wait(5)
        jobs[0].succeed("kept")
        if len(jobs) > 1:
            raise ConnectionError("database went away")

    writer = Writer(process)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first_job = pool.submit(writer.submit, "a")
        first.wait(5)
        followers = {x: pool.submit(writer.submit, x) for x in "bcd"}
        _until(lambda: writer._queue.qsize() == 3)  # they queue behind the running batch
        release.set()
        assert first_job.result(5) == "kept"
        outcomes = {}
        for item, future in followers.items():
            try:
                outcomes[item] = future.result(5)
            except ConnectionError as exc:
                outcomes[item] = str(exc)
    # The first batch held only "a"; the others formed the second batch (in the order they
    # happened to queue), which failed after settling its first job: the rest got the error.
    assert batches[0] == ["a"]
    assert sorted(batches[1]) == ["b", "c", "d"]
    settled, *failed = batches[1]
    assert outcomes == {settled: "kept", **dict.fromkeys(failed, "database went away")}
    assert writer.submit("e") == "kept", "the writer outlives a failed batch"


def test_a_job_left_unsettled_gets_an_error_rather_than_waiting_for_ever():
    writer = Writer(lambda jobs: None)
    with pytest.raises(RuntimeError, match="without an outcome"):
        writer.submit("x")


def test_an_idle_writer_ends_and_the_next_submission_starts_another():
    def process(jobs: list[Job]) -> None:
        for job in jobs:
            job.succeed(threading.current_thread())

    writer = Writer(process, idle=0.2)
    first = writer.submit(1)
    first.join(5)
    assert not first.is_alive()
    second = writer.submit(2)
    assert second is not first


def test_outcome_of_a_failed_job_raises_its_error():
    job = Job("x")
    job.fail(KeyError("k"))
    with pytest.raises(KeyError):
        job.outcome()
