"""Managed: the base of objects that own a library resource (a handle, a
registration).  close() is idempotent, the object is a context manager, and
__del__ closes what was forgotten (never raising from the finaliser)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TypeVar

_M = TypeVar("_M", bound="Managed")


class Managed:
    """Base class: subclasses implement _close() and set self._open = True
    once the resource exists."""

    _open = False

    def __init__(self) -> None:
        self._close_lock = threading.Lock()

    def _close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        return not self._open

    def close(self) -> None:
        """Release the resource; further calls do nothing."""
        lock = getattr(self, "_close_lock", None)
        if lock is None:
            return
        with lock:
            if not self._open:
                return
            self._open = False
        self._close()

    def __enter__(self: _M) -> _M:
        # Typed so that `with votequorum.Connection() as vq:` gives vq the
        # subclass's type (mypy --strict sees vq.getinfo()).
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - a finaliser must not raise
            pass
