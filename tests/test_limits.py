"""Time limits that hold in any thread: the main-thread alarm and the isolated process."""

from __future__ import annotations

import threading
import time

import pytest

from briefings.errors import ContentError, RenderError, TemplateError
from briefings.limits import deadline, run_isolated


def _add(a: int, b: int) -> int:
    return a + b


def _spin() -> None:
    while True:
        pass


def _refuse() -> None:
    raise ContentError("content/x.yaml:3: planted problem")


def _crash() -> None:
    raise ZeroDivisionError("division by zero")


def test_run_isolated_returns_the_result() -> None:
    assert run_isolated(_add, 2, 3, seconds=30, what="adding") == 5


def test_run_isolated_reraises_the_library_error_intact() -> None:
    with pytest.raises(ContentError, match=r"content/x\.yaml:3: planted problem"):
        run_isolated(_refuse, seconds=30, what="loading")


def test_run_isolated_turns_any_other_failure_into_a_message() -> None:
    with pytest.raises(Exception, match="ZeroDivisionError: division by zero"):
        run_isolated(_crash, seconds=30, what="crashing")


def test_run_isolated_stops_a_runaway_from_another_thread() -> None:
    caught: list[BaseException] = []

    def work() -> None:
        try:
            run_isolated(_spin, seconds=1.0, what="the preview build")
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    assert time.monotonic() - started < 30
    assert len(caught) == 1 and isinstance(caught[0], RenderError)
    assert str(caught[0]) == (
        "the preview build took longer than 1 s and was stopped; is a template, an SVG or a "
        "table running away?"
    )


def test_deadline_stops_work_in_the_main_thread() -> None:
    with (
        pytest.raises(
            TemplateError, match=r"^spinning took longer than 0.3 s; is a loop runaway\?$"
        ),
        deadline(0.3, "spinning"),
    ):
        _spin()
