"""Spread pure per-file work over the machine's cores, in forked processes.

Parsing and judging a thousand files is CPU-bound Python, so threads do not help; a forked child
starts with every module already imported and every file already read, and sends back only its
results. The work must be a pure function of its chunk: what it returns is pickled, and an
exception it raises is raised here, in chunk order, so the caller sees what a serial run would.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PER_WORKER = 200  # below this a fork and a pipe cost more than the work they take over
ENV = "SCHEMAGATE_WORKERS"  # an upper bound on processes; 1 keeps everything in this process


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use, e.g. inside a container
    except AttributeError:
        return os.cpu_count() or 1


def how_many(items: int) -> int:
    """Processes for `items` pieces of work: one unless each would get a worthwhile share."""
    wanted = os.environ.get(ENV, "")
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores()
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return 1  # forking a process that runs threads can copy a lock another thread holds
    return max(1, min(limit, items // MIN_PER_WORKER))


def chunks(items: Sequence[T], parts: int) -> list[list[T]]:
    """Contiguous, near-equal slices in order: results concatenate back into the serial order."""
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return out


class WorkerLost(RuntimeError):
    """A worker process ended without sending its result (killed, or out of memory)."""


def _child(work: Callable[[list[T]], R], chunk: list[T], pipe: int) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", work(chunk))
    except BaseException as exc:  # every failure goes back to the parent, which raises it
        outcome = ("raised", exc)
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        data = pickle.dumps(("raised", RuntimeError(f"a worker's {outcome[0]} result cannot be sent: {exc}")))
    with os.fdopen(pipe, "wb") as out:
        out.write(data)


def _start(work: Callable[[list[T]], R], chunk: list[T]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C stops the child outright
            _child(work, chunk, write_end)
        except BaseException:  # nothing may escape into a copy of the caller's code
            code = 1
        finally:
            os._exit(code)  # no atexit handlers, no flushing the parent's buffers twice
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int) -> Any:
    with os.fdopen(pipe, "rb") as source:
        data = source.read()  # before waiting: a child blocks on a full pipe until it is read
    _, status = os.waitpid(pid, 0)
    if not data:
        raise WorkerLost(f"a worker process ended without a result (wait status {status})")
    kind, value = pickle.loads(data)  # written by our own forked child, nobody else
    if kind == "raised":
        raise value
    return value


def _stop(started: list[tuple[int, int]]) -> None:
    for pid, pipe in started:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.close(pipe)
        os.waitpid(pid, 0)


def map_chunks(work: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
    """work(chunk) over contiguous chunks of items, concatenated in order.

    The first chunk runs here while forked children run the others. The first exception in chunk
    order is raised, as a serial run would raise it.
    """
    parts = chunks(items, how_many(len(items)))
    if len(parts) == 1:
        return work(parts[0])
    started: list[tuple[int, int]] = []
    try:
        for chunk in parts[1:]:
            started.append(_start(work, chunk))
    except OSError:  # no process to spare (a process limit, memory): the work still gets done, here
        _stop(started)
        return work(list(items))
    try:
        results = work(parts[0])
    except BaseException:
        _stop(started)
        raise
    pending = list(started)
    try:
        while pending:
            pid, pipe = pending.pop(0)
            results += _collect(pid, pipe)
    except BaseException:
        _stop(pending)
        raise
    return results
