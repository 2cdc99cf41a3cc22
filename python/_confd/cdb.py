"""_confd.cdb over goha (see goha/_nso.py)."""

from goha import _nso

_nso.submodule(globals(), "confd", "cdb")
