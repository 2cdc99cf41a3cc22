"""_confd: the names of ConfD's _confd Python module over goha.

``import _confd``, ``from _confd import ha, events, cdb, error`` and the
top-level constants (ERR_*, ADDR, PORT, PATH, VERBOSITY_*, C_*, ITER_*,
MOP_*, ...) work as with the real module; see goha/_nso.py for what each
maps to and where ADDR, PORT and PATH point.
"""

from goha import _nso

_nso.populate(globals(), "confd")

from . import cdb, error, events, ha  # noqa: E402
