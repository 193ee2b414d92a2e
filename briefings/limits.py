"""Limits: work + a time budget → its result, or a clear error once the budget is spent.

Two tools, for two places. ``deadline`` interrupts work in the main thread of a process with a
repeating alarm (signals reach only the main thread), which is where a build's documents are
rendered: in its worker processes, or in the calling process when it runs alone. ``run_isolated``
runs work in a fresh process of its own and kills it when the time is up, so a limit holds for a
caller in any thread (the preview's watcher and request threads): a runaway template or layout
cannot hang the caller, whatever it does.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .errors import BriefingError, RenderError, TemplateError

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
_KILL_GRACE = 2.0  # seconds a killed worker has to go before it is killed harder


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so ordinary ``except Exception`` cannot eat it."""


@contextlib.contextmanager
def deadline(
    seconds: float,
    what: str,
    error: type[BriefingError] = TemplateError,
    hint: str = "is a loop runaway?",
) -> Iterator[None]:
    """Stop the work inside after ``seconds``, where signals work (a process's main thread).

    The alarm repeats until the work stops, and the error is raised even when something inside
    swallowed the interruption (WeasyPrint catches ``BaseException`` around each SVG). Off the
    main thread this does nothing: such callers use ``run_isolated``.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return
    fired = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal fired
        fired = True
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
    try:
        yield
    except BaseException:
        if not fired:
            raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise error(f"{what} took longer than {seconds:g} s; {hint}")


def tie_to_parent() -> None:
    """In a worker process: end when the parent ends, even if it is killed (SIGKILL).

    Linux delivers SIGKILL to the worker when its parent dies (``PR_SET_PDEATHSIG``); elsewhere a
    watcher thread notices the parent is gone within a second.
    """
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def run_isolated(function: Callable[..., T], *args: Any, seconds: float, what: str) -> T:
    """Run ``function(*args)`` in a fresh process and return its result, or raise its error.

    The process is started with 'spawn' (never forked from a threaded caller) and killed after
    ``seconds``; then ``RenderError`` says what was stopped. ``function`` and its arguments and
    result must pickle.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_child, args=(send, function, args), daemon=True)
    # daemon: ends with the caller's normal exit; tie_to_parent in the child covers a kill.
    worker.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise RenderError(
                f"{what} took longer than {seconds:g} s and was stopped; is a template, an SVG "
                "or a table running away?"
            )
        try:
            ok, value = receive.recv()
        except EOFError:
            raise RenderError(f"{what} stopped without an answer (its process died)") from None
    finally:
        receive.close()
        _end(worker)
    if not ok:
        raise value
    return value  # recv() is untyped (Any); the child sent a T


def _child(send: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    tie_to_parent()
    try:
        result = (True, function(*args))
    except BriefingError as exc:
        result = (False, exc)
    except Exception as exc:  # anything else reaches the caller as a message, not a hang
        result = (False, BriefingError(f"{type(exc).__name__}: {exc}"))
    with contextlib.suppress(BrokenPipeError):
        send.send(result)
    send.close()


def _end(worker: multiprocessing.process.BaseProcess) -> None:
    worker.join(0.5)
    if worker.is_alive():
        worker.terminate()
        worker.join(_KILL_GRACE)
    if worker.is_alive():
        worker.kill()
        worker.join()
