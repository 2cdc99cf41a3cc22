"""Exceptions of the goha package, modelled on NSO's ``_ncs.error``.

* :class:`Error` -- a ConfD-style call (goha.ha, goha.events, goha.cdb)
  returned ``CONFD_ERR``.  Its text is ``"<confd_strerror> (<confd_errno>):
  <confd_lasterr>"`` and it carries those three as attributes (plus ``errno``
  for ``ERR_OS``), exactly like ``_ncs.error.Error``.
* :class:`EOF` -- the daemon closed the socket (``CONFD_EOF``).
* :class:`CsError` -- a votequorum call did not return ``CS_OK``.
* :class:`CmmError` -- a cmm call did not return ``CMM_OK``.

All derive from :class:`GohaError`.  ``ERR_*`` are the ``confd_errno`` codes
with the C values (``ERR_HA_CONNECT == 25``...).
"""

from __future__ import annotations

from . import _ffi
from ._ffi import ffi, lib

__all__ = ["GohaError", "Error", "EOF", "CsError", "CmmError", "strerror", "lasterr"]
# (the ERR_* codes are added to __all__ at the end of the module)


class GohaError(Exception):
    """Base class of every error raised by the goha package."""


class Error(GohaError):
    """A ConfD-style call failed (returned CONFD_ERR).

    Attributes: ``confd_errno`` (one of the ERR_* codes), ``confd_strerror``
    (the generic text of that code), ``confd_lasterr`` (what exactly went
    wrong), and ``errno`` (the OS error, for ERR_OS; else None).
    """

    def __init__(
        self,
        confd_errno: int,
        confd_strerror: str,
        confd_lasterr: str,
        os_errno: int | None = None,
    ) -> None:
        self.confd_errno = confd_errno
        self.confd_strerror = confd_strerror
        self.confd_lasterr = confd_lasterr
        self.errno = os_errno
        super().__init__(f"{confd_strerror} ({confd_errno}): {confd_lasterr}")


class EOF(Error):
    """The daemon closed the socket (the call returned CONFD_EOF)."""

    def __init__(self, confd_lasterr: str = "") -> None:
        super().__init__(lib.CONFD_ERR_EOF, "gohad closed connection", confd_lasterr)
        self.args = ("gohad closed connection",)


class CsError(GohaError):
    """A votequorum call returned a cs_error_t other than CS_OK.

    ``code`` is the cs_error_t value, ``name`` its symbolic name
    (cs_strerror), ``message`` goha_errmsg() of the handle.
    """

    def __init__(self, call: str, code: int, message: str) -> None:
        self.call = call
        self.code = code
        self.name = ffi.string(lib.cs_strerror(code)).decode()
        self.message = message
        super().__init__(f"{call}: {self.name} ({code}): {message}")


class CmmError(GohaError):
    """A cmm call returned a cmm_error_t other than CMM_OK.

    ``code`` is the cmm_error_t value, ``name`` its symbolic name
    (cmm_strerror), ``message`` the library's explanation (goha_errmsg).
    """

    def __init__(self, call: str, code: int, message: str) -> None:
        self.call = call
        self.code = code
        self.name = ffi.string(lib.cmm_strerror(code)).decode()
        self.message = message
        super().__init__(f"{call}: {self.name} ({code}): {message}")


def _text(p: object) -> str:
    if p == ffi.NULL:
        return ""
    return str(ffi.string(p).decode("utf-8", "replace"))


def strerror(code: int) -> str:
    """confd_strerror(code)."""
    return _text(lib.confd_strerror(code))


def lasterr() -> str:
    """confd_lasterr() of the calling thread."""
    return _text(lib.confd_lasterr())


def confd_check(rc: int) -> int:
    """Raise Error/EOF for a CONFD_ERR/CONFD_EOF return code, else return rc.

    Must run on the thread that made the call, right after it: confd_errno
    and confd_lasterr() are per thread.
    """
    if rc >= 0:
        return rc
    code = lib.confd_errno_location()[0]
    if rc == lib.CONFD_EOF:
        raise EOF(lasterr())
    os_errno = ffi.errno if code == lib.CONFD_ERR_OS else None
    raise Error(code, strerror(code), lasterr(), os_errno)


def cs_check(call: str, rc: int, handle: int) -> None:
    """Raise CsError unless rc is CS_OK."""
    if rc != lib.CS_OK:
        raise CsError(call, rc, _ffi.errmsg(handle))


def cmm_check(call: str, rc: int) -> None:
    """Raise CmmError unless rc is CMM_OK."""
    if rc != lib.CMM_OK:
        raise CmmError(call, rc, _ffi.errmsg(0))


# confd_errno codes, with the values of confd_lib.h.
ERR_NOEXISTS: int = lib.CONFD_ERR_NOEXISTS
ERR_ALREADY_EXISTS: int = lib.CONFD_ERR_ALREADY_EXISTS
ERR_ACCESS_DENIED: int = lib.CONFD_ERR_ACCESS_DENIED
ERR_NOT_WRITABLE: int = lib.CONFD_ERR_NOT_WRITABLE
ERR_BADTYPE: int = lib.CONFD_ERR_BADTYPE
ERR_NOTCREATABLE: int = lib.CONFD_ERR_NOTCREATABLE
ERR_NOTDELETABLE: int = lib.CONFD_ERR_NOTDELETABLE
ERR_BADPATH: int = lib.CONFD_ERR_BADPATH
ERR_NOSTACK: int = lib.CONFD_ERR_NOSTACK
ERR_LOCKED: int = lib.CONFD_ERR_LOCKED
ERR_INUSE: int = lib.CONFD_ERR_INUSE
ERR_NOTSET: int = lib.CONFD_ERR_NOTSET
ERR_NON_UNIQUE: int = lib.CONFD_ERR_NON_UNIQUE
ERR_BAD_KEYREF: int = lib.CONFD_ERR_BAD_KEYREF
ERR_TOO_FEW_ELEMS: int = lib.CONFD_ERR_TOO_FEW_ELEMS
ERR_TOO_MANY_ELEMS: int = lib.CONFD_ERR_TOO_MANY_ELEMS
ERR_BADSTATE: int = lib.CONFD_ERR_BADSTATE
ERR_INTERNAL: int = lib.CONFD_ERR_INTERNAL
ERR_EXTERNAL: int = lib.CONFD_ERR_EXTERNAL
ERR_MALLOC: int = lib.CONFD_ERR_MALLOC
ERR_PROTOUSAGE: int = lib.CONFD_ERR_PROTOUSAGE
ERR_NOSESSION: int = lib.CONFD_ERR_NOSESSION
ERR_TOOMANYTRANS: int = lib.CONFD_ERR_TOOMANYTRANS
ERR_OS: int = lib.CONFD_ERR_OS
ERR_HA_CONNECT: int = lib.CONFD_ERR_HA_CONNECT
ERR_HA_CLOSED: int = lib.CONFD_ERR_HA_CLOSED
ERR_HA_BADFXS: int = lib.CONFD_ERR_HA_BADFXS
ERR_HA_BADTOKEN: int = lib.CONFD_ERR_HA_BADTOKEN
ERR_HA_BADNAME: int = lib.CONFD_ERR_HA_BADNAME
ERR_HA_BIND: int = lib.CONFD_ERR_HA_BIND
ERR_HA_NOTICK: int = lib.CONFD_ERR_HA_NOTICK
ERR_VALIDATION_WARNING: int = lib.CONFD_ERR_VALIDATION_WARNING
ERR_SUBAGENT_DOWN: int = lib.CONFD_ERR_SUBAGENT_DOWN
ERR_LIB_NOT_INITIALIZED: int = lib.CONFD_ERR_LIB_NOT_INITIALIZED
ERR_TOO_MANY_SESSIONS: int = lib.CONFD_ERR_TOO_MANY_SESSIONS
ERR_BAD_CONFIG: int = lib.CONFD_ERR_BAD_CONFIG
ERR_RESOURCE_DENIED: int = lib.CONFD_ERR_RESOURCE_DENIED
ERR_INCONSISTENT_VALUE: int = lib.CONFD_ERR_INCONSISTENT_VALUE
ERR_APPLICATION_INTERNAL: int = lib.CONFD_ERR_APPLICATION_INTERNAL
ERR_UNSET_CHOICE: int = lib.CONFD_ERR_UNSET_CHOICE
ERR_MUST_FAILED: int = lib.CONFD_ERR_MUST_FAILED
ERR_MISSING_INSTANCE: int = lib.CONFD_ERR_MISSING_INSTANCE
ERR_INVALID_INSTANCE: int = lib.CONFD_ERR_INVALID_INSTANCE
ERR_UNAVAILABLE: int = lib.CONFD_ERR_UNAVAILABLE
ERR_EOF: int = lib.CONFD_ERR_EOF
ERR_NOTMOVABLE: int = lib.CONFD_ERR_NOTMOVABLE
ERR_HA_WITH_UPGRADE: int = lib.CONFD_ERR_HA_WITH_UPGRADE
ERR_TIMEOUT: int = lib.CONFD_ERR_TIMEOUT
ERR_ABORTED: int = lib.CONFD_ERR_ABORTED
ERR_XPATH: int = lib.CONFD_ERR_XPATH
ERR_NOT_IMPLEMENTED: int = lib.CONFD_ERR_NOT_IMPLEMENTED
ERR_HA_BADVSN: int = lib.CONFD_ERR_HA_BADVSN
ERR_POLICY_FAILED: int = lib.CONFD_ERR_POLICY_FAILED
ERR_POLICY_COMPILATION_FAILED: int = lib.CONFD_ERR_POLICY_COMPILATION_FAILED
ERR_POLICY_EVALUATION_FAILED: int = lib.CONFD_ERR_POLICY_EVALUATION_FAILED
ERR_CONNECTION_REFUSED: int = lib.NCS_ERR_CONNECTION_REFUSED
ERR_START_FAILED: int = lib.CONFD_ERR_START_FAILED
ERR_DATA_MISSING: int = lib.CONFD_ERR_DATA_MISSING
ERR_CLI_CMD: int = lib.CONFD_ERR_CLI_CMD
ERR_UPGRADE_IN_PROGRESS: int = lib.CONFD_ERR_UPGRADE_IN_PROGRESS
ERR_NOTRANS: int = lib.CONFD_ERR_NOTRANS
ERR_SERVICE_CONFLICT: int = lib.NCS_ERR_SERVICE_CONFLICT
ERR_CONNECTION_TIMEOUT: int = lib.NCS_ERR_CONNECTION_TIMEOUT
ERR_CONNECTION_CLOSED: int = lib.NCS_ERR_CONNECTION_CLOSED
ERR_DEVICE: int = lib.NCS_ERR_DEVICE
ERR_TEMPLATE: int = lib.NCS_ERR_TEMPLATE
ERR_NO_MOUNT_ID: int = lib.CONFD_ERR_NO_MOUNT_ID
ERR_STALE_INSTANCE: int = lib.CONFD_ERR_STALE_INSTANCE
ERR_HA_BADCONFIG: int = lib.CONFD_ERR_HA_BADCONFIG
ERR_TRANSACTION_CONFLICT: int = lib.CONFD_ERR_TRANSACTION_CONFLICT
ERR_HA_ABORT: int = lib.CONFD_ERR_HA_ABORT

__all__ += sorted(n for n in globals() if n.startswith("ERR_"))
