"""Keeping exceptions raised inside Python callbacks.

C calls our callbacks from inside a dispatch call; an exception cannot
propagate through C.  Each trampoline catches everything and parks it here,
and the dispatch wrapper re-raises it on return, so nothing is lost and the
process never crashes."""

from __future__ import annotations

import select
import time
from collections import deque
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


def drain(fd: int, queue: deque[T], dispatch: Callable[[], object],
          timeout: float | None) -> Iterator[T]:
    """Yield what `dispatch` (run whenever `fd` is readable) appends to
    `queue`, until `timeout` seconds pass without an item (None: forever).
    Shared by the events() iterators of votequorum and cmm."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if queue:
            yield queue.popleft()
            if timeout is not None:
                deadline = time.monotonic() + timeout
            continue
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return
        dispatch()


class Pending:
    """Exceptions caught in callbacks, waiting to be re-raised."""

    def __init__(self) -> None:
        self._errors: list[BaseException] = []

    def add(self, e: BaseException) -> None:
        self._errors.append(e)

    def reraise(self) -> None:
        """Raise the first parked exception (the later ones as notes)."""
        if not self._errors:
            return
        first, rest = self._errors[0], self._errors[1:]
        self._errors = []
        for e in rest:
            first.add_note(f"another callback also raised {type(e).__name__}: {e}")
        raise first
