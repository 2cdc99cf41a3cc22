"""_ncs: the names of NSO's _ncs Python module over goha.

``import _ncs``, ``from _ncs import ha, events, cdb, error`` and the
top-level constants (ERR_*, ADDR, PORT, PATH, VERBOSITY_*, C_*, ITER_*,
MOP_*, ...) work as with the real module; see goha/_nso.py for what each
maps to and where ADDR, PORT and PATH point.
"""

from goha import _nso

_nso.populate(globals(), "ncs")

from . import cdb, error, events, ha  # noqa: E402
