"""Queries answered at once where the store allows it (gdprgraph.parallel)."""

from __future__ import annotations

import threading

import pytest

from gdprgraph import parallel


def test_a_store_without_concurrent_reads_runs_each_task_when_submitted_in_the_callers_thread():
    ran_in: list[threading.Thread] = []
    with parallel.executor(concurrent_reads=False) as pool:
        done = pool.submit(lambda: ran_in.append(threading.current_thread()) or 42)
        assert done.done() and ran_in == [threading.current_thread()]
        failed = pool.submit(lambda: 1 / 0)
    assert done.result() == 42
    with pytest.raises(ZeroDivisionError):
        failed.result()


def test_a_store_with_concurrent_reads_runs_tasks_on_other_threads(monkeypatch):
    monkeypatch.setenv("GDPRGRAPH_THREADS", "2")
    with parallel.executor(concurrent_reads=True) as pool:
        names = [pool.submit(lambda: threading.current_thread().name) for _ in range(4)]
    assert all(n.result().startswith("gdprgraph-query") for n in names)


def test_answers_come_in_the_items_order_whatever_finishes_first():
    finished: list[int] = []

    def slow_first(item: int) -> int:
        if item == 0:
            threading.Event().wait(0.05)  # the first item finishes last
        finished.append(item)
        return item * 10

    assert list(parallel.in_order(3, slow_first, [0, 1, 2])) == [0, 10, 20]
    assert finished[-1] == 0
    assert list(parallel.in_order(1, slow_first, [2, 1])) == [20, 10]


def test_the_number_of_threads_follows_the_store_and_the_environment(monkeypatch):
    monkeypatch.delenv("GDPRGRAPH_THREADS", raising=False)
    assert parallel.threads_for(False) == 1
    assert 1 <= parallel.threads_for(True) <= parallel.MAX_THREADS
    monkeypatch.setenv("GDPRGRAPH_THREADS", "3")
    assert parallel.threads_for(True) == 3 and parallel.threads_for(False) == 1


def test_jobs_run_together_on_a_store_with_concurrent_reads_and_give_their_values_in_order(monkeypatch):
    monkeypatch.setenv("GDPRGRAPH_THREADS", "2")
    both_running = threading.Barrier(2, timeout=10)  # one after the other, the first would wait in vain

    def job(value: str) -> str:
        both_running.wait()
        return value

    assert parallel.together(True, lambda: job("findings"), lambda: job("tables")) == ("findings", "tables")


def test_jobs_run_one_after_the_other_in_the_callers_thread_where_the_store_takes_one_query_at_once(monkeypatch):
    monkeypatch.setenv("GDPRGRAPH_THREADS", "2")
    ran: list[tuple[str, threading.Thread]] = []

    def job(name: str) -> str:
        ran.append((name, threading.current_thread()))
        return name.upper()

    assert parallel.together(False, lambda: job("a"), lambda: job("b"), lambda: job("c")) == ("A", "B", "C")
    assert ran == [(n, threading.current_thread()) for n in "abc"]
    monkeypatch.setenv("GDPRGRAPH_THREADS", "1")  # the user's choice: one at a time
    ran.clear()
    parallel.together(True, lambda: job("a"), lambda: job("b"))
    assert ran == [(n, threading.current_thread()) for n in "ab"]


def test_an_error_of_one_job_is_raised_once_every_job_has_ended(monkeypatch):
    monkeypatch.setenv("GDPRGRAPH_THREADS", "2")
    ended = threading.Event()

    def slow() -> None:
        threading.Event().wait(0.05)
        ended.set()

    with pytest.raises(ZeroDivisionError):
        parallel.together(True, lambda: 1 / 0, slow)
    assert ended.is_set()
    with pytest.raises(ZeroDivisionError):
        parallel.together(True, slow, lambda: 1 / 0)


def test_at_most_one_query_per_thread_is_in_evaluation_in_the_whole_process(monkeypatch):
    monkeypatch.setenv("GDPRGRAPH_THREADS", "2")
    inside, most = 0, 0
    lock = threading.Lock()

    def query() -> None:
        nonlocal inside, most
        with parallel.evaluating():
            with lock:
                inside += 1
                most = max(most, inside)
            threading.Event().wait(0.05)
            with lock:
                inside -= 1

    # two jobs started together, each with its own pool of two threads: four queries at once
    def job() -> None:
        with parallel.executor(True) as pool:
            for _ in range(4):
                pool.submit(query)

    parallel.together(True, job, job)
    assert most == 2


def test_an_oxigraph_query_waits_for_a_free_slot(monkeypatch):
    from gdprgraph.store.oxigraph import OxigraphDataset

    monkeypatch.setenv("GDPRGRAPH_THREADS", "1")
    store = OxigraphDataset()
    answered = threading.Event()

    def ask() -> None:
        store.query("SELECT * WHERE { ?s ?p ?o }", None, [])
        answered.set()

    with parallel.evaluating():  # the only slot, held here
        asker = threading.Thread(target=ask)
        asker.start()
        assert not answered.wait(0.2)
    asker.join(5)
    assert answered.is_set()


@pytest.mark.parametrize(
    ("query", "lexical"),  # a literal of its own for each (rdflib's terms are made once, then kept)
    [("SELECT ?o WHERE { ?s ?p ?o }", "six months"), ("CONSTRUCT WHERE { ?s ?p ?o }", "seven months")],
    ids=["select", "construct"],
)
def test_an_answer_asked_on_another_thread_is_freed_there_even_when_rdflib_logs_an_ill_typed_literal(
    monkeypatch, query, lexical
):
    import gc
    import logging
    import sys

    import rdflib

    from gdprgraph.store.oxigraph import OxigraphDataset

    store = OxigraphDataset()
    ill_typed = rdflib.Literal(lexical, datatype=rdflib.XSD.duration)
    store.insert([(rdflib.URIRef("urn:x:s"), rdflib.URIRef("urn:x:p"), ill_typed)], "urn:x:g")
    records: list[logging.LogRecord] = []  # kept as a log handler keeps them, with their tracebacks

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    rdflib_log = logging.getLogger("rdflib.term")
    monkeypatch.setattr(rdflib_log, "propagate", False)
    keep = Keep()
    rdflib_log.addHandler(keep)
    freed_elsewhere: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: freed_elsewhere.append(unraisable.exc_value))
    try:
        asker = threading.Thread(target=lambda: store.query(query, None, ["urn:x:g"]))
        asker.start()
        asker.join()
    finally:
        rdflib_log.removeHandler(keep)
    assert any("Failed to convert Literal lexical form" in r.getMessage() for r in records)
    records.clear()  # the records let go on this thread
    gc.collect()
    assert freed_elsewhere == []
