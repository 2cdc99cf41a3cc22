"""Keeping exceptions raised inside Python callbacks.

C calls our callbacks from inside a dispatch call; an exception cannot
propagate through C.  Each trampoline catches everything and parks it here,
and the dispatch wrapper re-raises it on return, so nothing is lost and the
process never crashes."""

from __future__ import annotations


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
