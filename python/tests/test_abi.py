"""The cffi declarations (goha/_cdefs.py) must match the C headers in
include/: every struct and union layout (size, alignment, every declared
field's offset and size), every constant, every function prototype.  A C
program generated from the Python declarations is compiled against
include/ and prints what gcc computes; prototypes are checked at compile
time with __builtin_types_compatible_p."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any, Iterator

import pytest
from goha import _cdefs
from goha._ffi import ffi, lib
from helpers import ROOT

INCLUDE = ROOT / "include"


def _types() -> list[str]:
    typedefs, structs, unions = ffi.list_types()
    names = [t for t in typedefs if ffi.typeof(t).kind in ("struct", "union")]
    names += ["struct " + s for s in structs if not s.startswith("$")]
    names += ["union " + u for u in unions if not u.startswith("$")]
    return sorted(set(names))


def _fields(ctype: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, f in ctype.fields or []:
        path = prefix + name
        yield path, f
        if f.type.kind in ("struct", "union"):
            yield from _fields(f.type, path + ".")


def _constants() -> dict[str, int]:
    out: dict[str, int] = {}
    for src in (_cdefs.CDEF,):
        for m in re.finditer(r"^#define (\w+) ", src, re.M):
            out[m.group(1)] = getattr(lib, m.group(1))
    typedefs, _s, _u = ffi.list_types()
    enums = [t for t in typedefs if ffi.typeof(t).kind == "enum"]
    enums += re.findall(r"^\s*enum (\w+) \{", _cdefs.CDEF, re.M)
    for e in enums:
        t = ffi.typeof(e if e in typedefs else "enum " + e)
        for name, value in t.relements.items():
            out[name] = value
    return out


def _prototypes(src: str) -> list[tuple[str, str]]:
    """(function name, its type spelt as a C function pointer type)."""
    out = []
    for m in re.finditer(r"^([A-Za-z_][\w \*]*?[\s\*])(\w+)\((.*)\);\s*$", src, re.M):
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3)
        if ret.startswith("typedef"):
            continue
        out.append((name, f"{ret} (*)({params})"))
    return out


def _header_declares(name: str) -> bool:
    return any(re.search(rf"\b{name}\s*\(", p.read_text()) for p in INCLUDE.rglob("*.h"))


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to check the cffi declarations against include/")
    d = tmp_path_factory.mktemp("abi")
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <stdlib.h>", "#include <time.h>"]
    lines += [f"#include <{h}>" for h in _cdefs.HEADERS]
    protos = _prototypes(_cdefs.CDEF)
    protos += [p for p in _prototypes(_cdefs.CDB_CDEF) if _header_declares(p[0])]
    for name, ftype in protos:
        lines.append(f'_Static_assert(__builtin_types_compatible_p(__typeof__(&{name}), {ftype}), '
                     f'"prototype of {name} differs from include/");')
    lines.append("int main(void) {")
    for t in _types():
        key = t.replace(" ", "_")
        lines.append(f'printf("size {key} %zu\\n", sizeof({t}));')
        lines.append(f'printf("align {key} %zu\\n", _Alignof({t}));')
        for path, _f in _fields(ffi.typeof(t)):
            lines.append(f'printf("off {key}.{path} %zu\\n", offsetof({t}, {path}));')
            lines.append(f'printf("fsize {key}.{path} %zu\\n", sizeof((({t} *)0)->{path}));')
    for name in _constants():
        lines.append(f'printf("const {name} %lld\\n", (long long)({name}));')
    for e in ("enum confd_vtype", "enum confd_ha_info_type", "cs_error_t", "cmm_error_t"):
        lines.append(f'printf("size {e.replace(" ", "_")} %zu\\n", sizeof({e}));')
    lines.append("return 0; }")
    src = d / "abi.c"
    src.write_text("\n".join(lines) + "\n")
    exe = d / "abi"
    cc = subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Werror", "-I", str(INCLUDE), "-o", str(exe),
                         str(src)], capture_output=True, text=True)
    assert cc.returncode == 0, f"the generated ABI probe does not compile:\n{cc.stderr[:4000]}"
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        kind, key, val = line.split(" ")
        res[f"{kind} {key}"] = int(val)
    return res


def test_struct_sizes_and_alignment(c_layout: dict[str, int]) -> None:
    bad = []
    for t in _types():
        key = t.replace(" ", "_")
        if ffi.sizeof(t) != c_layout[f"size {key}"]:
            bad.append(f"sizeof({t}): cffi {ffi.sizeof(t)}, C {c_layout[f'size {key}']}")
        if ffi.alignof(t) != c_layout[f"align {key}"]:
            bad.append(f"alignof({t}): cffi {ffi.alignof(t)}, C {c_layout[f'align {key}']}")
    assert not bad, "\n".join(bad)
    # The sizes the ConfD spec measured, so a wrong header cannot hide a wrong cdef.
    assert ffi.sizeof("confd_value_t") == 40
    assert ffi.sizeof("struct confd_ha_node") == 320
    assert ffi.sizeof("struct confd_ha_status") == 81616
    assert ffi.sizeof("struct confd_notification") == 8464
    assert ffi.sizeof("struct votequorum_info") == 292
    assert ffi.sizeof("cmm_member_t") == 368


def test_field_offsets(c_layout: dict[str, int]) -> None:
    bad = []
    checked = 0
    for t in _types():
        key = t.replace(" ", "_")
        for path, _f in _fields(ffi.typeof(t)):
            off = ffi.offsetof(t, *path.split("."))
            size = ffi.sizeof(_f.type)
            checked += 1
            if off != c_layout[f"off {key}.{path}"]:
                bad.append(f"offsetof({t}, {path}): cffi {off}, C {c_layout[f'off {key}.{path}']}")
            if size != c_layout[f"fsize {key}.{path}"]:
                bad.append(f"sizeof({t}.{path}): cffi {size}, C {c_layout[f'fsize {key}.{path}']}")
    assert checked > 100
    assert not bad, "\n".join(bad)


def test_enum_sizes(c_layout: dict[str, int]) -> None:
    for e in ("enum confd_vtype", "enum confd_ha_info_type", "cs_error_t", "cmm_error_t"):
        assert ffi.sizeof(e) == c_layout[f"size {e.replace(' ', '_')}"], e


def test_constants(c_layout: dict[str, int]) -> None:
    consts = _constants()
    assert len(consts) > 250
    bad = [f"{n}: cffi {v}, C {c_layout[f'const {n}']}" for n, v in consts.items()
           if v != c_layout[f"const {n}"]]
    assert not bad, "\n".join(bad)


def test_every_declared_function_is_exported() -> None:
    missing = []
    for name, _t in _prototypes(_cdefs.CDEF):
        try:
            getattr(lib, name)
        except AttributeError:
            missing.append(name)
    assert not missing, f"declared in _cdefs.CDEF but not exported by libgoha: {missing}"


def test_prototype_extraction_sees_every_function() -> None:
    # The compile-time prototype check is only as good as the regex.
    names = {n for n, _t in _prototypes(_cdefs.CDEF)}
    for fn in ("confd_ha_connect", "confd_init_vsn_sz", "votequorum_qdevice_poll",
               "cmm_connect", "cmm_cmc_filter", "goha_errmsg", "cs_strerror", "cmm_strerror"):
        assert fn in names
    parsed = [k for k in ffi._parser._declarations if k.startswith("function ")]  # noqa: SLF001
    cdb = {n for n, _t in _prototypes(_cdefs.CDB_CDEF)}
    assert names | cdb == {k.split(" ", 1)[1] for k in parsed}
