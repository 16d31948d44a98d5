"""Queries answered at once, where the store evaluates them outside Python's lock.

pyoxigraph evaluates a query without holding Python's lock: on two cores, two independent queries
take about the time of the longer one. rdflib's engine (and a remote server reached through one
connection) runs one query at a time. ``threads_for`` says how many queries a store takes at
once, ``in_order`` runs an action on many items that many at a time, ``executor`` gives a pool
for a few different queries started together (one that runs each at once where there are no
threads to use), ``together`` starts a few independent jobs at once (validation, tables, the
transfer graph: each asks its own queries, and the cores one leaves idle at its end, while its
last query runs or while Python builds its answer, serve the others). ``evaluating`` bounds the
queries in evaluation in the whole process to ``threads_for``, whatever runs them: jobs started
together each take as many threads as there are cores, and the intermediate results of one query
per thread would add up (at 10 000 generated services, the main job's peak grew by 150 MB).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from .errors import InputError

#: Most queries in flight at once on a store that takes concurrent reads (each holds its
#: intermediate results in memory); ``$GDPRGRAPH_THREADS`` sets another number (1: one at a time).
MAX_THREADS = 4

_T = TypeVar("_T")
_R = TypeVar("_R")
_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")


def threads_for(concurrent_reads: bool) -> int:
    """How many queries run at once: one on a store that does not take concurrent reads; else
    ``$GDPRGRAPH_THREADS`` if set, or one per core this process may use, at most MAX_THREADS."""
    if not concurrent_reads:
        return 1
    given = os.environ.get("GDPRGRAPH_THREADS", "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise InputError(f"GDPRGRAPH_THREADS must be a whole number from 1, not {given!r}")
        return int(given)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


_slots: dict[int, threading.Semaphore] = {}
_slots_lock = threading.Lock()


@contextmanager
def evaluating() -> Iterator[None]:
    """Hold one of the process's query slots (``threads_for(True)`` of them) for the duration of a
    query's evaluation: a query started while every slot is held waits for one."""
    count = threads_for(True)
    with _slots_lock:
        slots = _slots.setdefault(count, threading.Semaphore(count))
    with slots:
        yield


def in_order(threads: int, action: Callable[[_T], _R], items: Sequence[_T]) -> Iterator[_R]:
    """``action`` on every item, ``threads`` at a time (in this thread if one): the answers in the
    items' order, each as soon as it and those before it are done."""
    if threads <= 1 or len(items) <= 1:
        yield from (action(item) for item in items)
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gdprgraph-query") as pool:
        yield from pool.map(action, items)


class _AtOnce(Executor):
    """An executor that runs each task when it is submitted, in the caller's thread."""

    def submit(self, fn: Callable[..., _R], /, *args: Any, **kwargs: Any) -> Future[_R]:
        done: Future[_R] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as err:  # the caller sees it from result(), as from a thread's
            done.set_exception(err)
        return done


def executor(concurrent_reads: bool) -> Executor:
    """A pool for independent queries started together (``with executor(...) as pool``): threads
    where the store takes concurrent reads, else each task run as it is submitted."""
    threads = threads_for(concurrent_reads)
    if threads <= 1:
        return _AtOnce()
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gdprgraph-query")


@overload
def together(concurrent_reads: bool, first: Callable[[], _A], second: Callable[[], _B], /) -> tuple[_A, _B]: ...
@overload
def together(
    concurrent_reads: bool, first: Callable[[], _A], second: Callable[[], _B], third: Callable[[], _C], /
) -> tuple[_A, _B, _C]: ...
def together(concurrent_reads: bool, *jobs: Callable[[], Any]) -> tuple[Any, ...]:
    """Independent jobs run at once where the store takes concurrent reads (the first in this
    thread, the others each in a thread of their own), one after the other elsewhere; their values
    in the jobs' order. An error of one is raised once every job has ended."""
    if threads_for(concurrent_reads) <= 1:
        return tuple(job() for job in jobs)
    with ThreadPoolExecutor(max_workers=len(jobs) - 1, thread_name_prefix="gdprgraph-job") as pool:
        others = [pool.submit(job) for job in jobs[1:]]
        try:
            first = jobs[0]()
        finally:
            wait(others)
        return (first, *(job.result() for job in others))
