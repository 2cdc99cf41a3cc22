"""_ncs.events over goha (see goha/_nso.py)."""

from goha import _nso

_nso.submodule(globals(), "ncs", "events")
