"""Limits: work + a time budget → its result, or a clear error once the budget is spent.

Three tools, for two places. ``deadline`` interrupts work in the main thread of a process with a
repeating alarm (signals reach only the main thread), which is where a build's documents are
rendered: in its worker processes, or in the calling process when it runs alone. ``run_isolated``
runs work in a fresh process of its own and kills it when the time is up, so a limit holds for a
caller in any thread: a runaway template or layout cannot hang the caller, whatever it does.
``WarmWorker`` does the same in a long-lived process that keeps its imports between calls (the
preview's builds), replaced by a fresh one when a call is stopped.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import BriefingError, RenderError, TemplateError

if TYPE_CHECKING:
    import multiprocessing.process

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
_KILL_GRACE = 2.0  # seconds a killed worker has to go before it is killed harder
_WARM_UP_SECONDS = 120.0  # a warm worker's start-up, not counted in any call's limit


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


def cores() -> int:
    """The cores this process may run on (its affinity, as ``taskset`` sets it), else all."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on this system
        return os.cpu_count() or 1


def tie_to_parent() -> None:
    """In a worker process: end when the parent ends, even if it is killed (SIGKILL).

    Linux delivers SIGKILL to the worker when its parent dies (``PR_SET_PDEATHSIG``); elsewhere a
    watcher thread notices the parent is gone within a second.
    """
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)  # the C library is loaded already
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
    import multiprocessing  # here: a build that renders nothing does not need it

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


def _child(
    send: Any, function: Callable[..., Any], args: tuple[Any, ...], *, close: bool = True
) -> None:
    if close:  # a fresh process of run_isolated; a WarmWorker's is tied already
        tie_to_parent()
    try:
        result = (True, function(*args))
    except BriefingError as exc:
        result = (False, exc)
    except Exception as exc:  # anything else reaches the caller as a message, not a hang
        result = (False, BriefingError(f"{type(exc).__name__}: {exc}"))
    with contextlib.suppress(BrokenPipeError):
        send.send(result)
    if close:
        send.close()


def _end(worker: multiprocessing.process.BaseProcess) -> None:
    worker.join(0.5)
    if worker.is_alive():
        worker.terminate()
        worker.join(_KILL_GRACE)
    if worker.is_alive():
        worker.kill()
        worker.join()


class WarmWorker:
    """A long-lived process that runs calls one at a time, each within a time limit.

    ``run_isolated`` with the start-up paid once: the process is spawned on first use, runs
    ``warm_up`` (imports, say) and then waits for calls, so a call costs only its own work. A
    call that runs over its limit is stopped by killing the process, exactly as ``run_isolated``
    does, and the next call starts a fresh one; so does a call after the process died. Safe to
    call from any thread; calls wait for each other.
    """

    def __init__(self, what: str, warm_up: Callable[[], None] | None = None) -> None:
        self.what = what
        self.warm_up = warm_up
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Any = None
        self._ready = False

    def start(self) -> None:
        """Start the process now (it warms up while the caller does other work)."""
        with self._lock:
            self._ensure()

    def call(self, function: Callable[..., T], *args: Any, seconds: float) -> T:
        """Run ``function(*args)`` in the process; return its result or raise its error."""
        with self._lock:
            self._ensure()
            connection = self._connection
            if not self._ready:  # the start-up is not the call's: it has a limit of its own
                self._ready = connection.poll(_WARM_UP_SECONDS) and connection.recv() == "ready"
                if not self._ready:
                    self._close()
                    raise RenderError(f"{self.what}: its worker process did not start")
            try:
                connection.send((function, args))
                answered = connection.poll(seconds)
            except (OSError, EOFError):
                answered = True  # the process is gone: recv() below says so
            if not answered:
                self._close()
                raise RenderError(
                    f"{self.what} took longer than {seconds:g} s and was stopped; is a template, "
                    "an SVG or a table running away?"
                )
            try:
                ok, value = connection.recv()
            except (OSError, EOFError):
                self._close()
                raise RenderError(
                    f"{self.what} stopped without an answer (its process died)"
                ) from None
        if not ok:
            raise value
        return value  # recv() is untyped (Any); the process sent a T

    def close(self) -> None:
        """End the process."""
        with self._lock:
            self._close()

    def _ensure(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._close()
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # never forked from a threaded caller
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.warm_up), daemon=True)
        process.start()
        theirs.close()
        self._process, self._connection, self._ready = process, ours, False

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()  # a waiting process sees the end of its pipe and exits
            self._connection = None
        if self._process is not None:
            _end(self._process)
            self._process = None


def _serve(connection: Any, warm_up: Callable[[], None] | None) -> None:
    """The loop of a ``WarmWorker`` process: answer each call until the pipe closes."""
    tie_to_parent()
    if warm_up is not None:
        with contextlib.suppress(Exception):  # a failed warm-up only makes the first call slower
            warm_up()
    gc.freeze()  # what the imports made lives as long as the process: never scan it again
    with contextlib.suppress(OSError):
        connection.send("ready")
    while True:
        try:
            function, args = connection.recv()
        except (OSError, EOFError):
            return
        _child(connection, function, args, close=False)
