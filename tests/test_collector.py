"""The cyclic collector is paused while large results are built, and resumed as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from gdprgraph import collector, incremental, paths, validate


def test_paused_then_resumed_nested_and_after_an_error():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer use is still running
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_uses_resume_it_when_the_last_one_ends():
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with collector.paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(5)
    with collector.paused():
        pass
    assert not gc.isenabled()  # the other thread is still building
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_the_large_builders_pause_it(seed, monkeypatch):
    states: list[bool] = []
    original = paths._basis

    def recording(*args, **kwargs):
        states.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(paths, "_basis", recording)
    paths.transfer_paths(paths.build(seed.asserted))
    assert states and not any(states)
    assert gc.isenabled()
    validate.validate(seed)
    assert gc.isenabled()


def test_an_incremental_re_validation_pauses_it(seed, monkeypatch):
    states: list[bool] = []
    original = incremental.affected_focus

    def recording(graph, change):
        states.append(gc.isenabled())
        return original(graph, change)

    monkeypatch.setattr(incremental, "affected_focus", recording)
    report = validate.validate(seed)
    incremental.revalidate(seed.asserted, report, incremental.Change())
    assert states == [False]
    assert gc.isenabled()
