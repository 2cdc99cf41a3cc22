#!/usr/bin/env bash
# ctests/install_test.sh -- `make install` as a packager and a C developer use it.
#
# Installs into a temporary DESTDIR (PREFIX=/usr/local), then checks:
#  - the files: gohad, gohactl, libgoha.so.VERSION with the libgoha.so.MAJOR
#    and libgoha.so symlinks (SONAME libgoha.so.MAJOR), the headers under
#    include/goha, goha.pc, the four man pages (rendered by man without
#    warnings), the systemd unit (Type=notify, WatchdogSec, paths), the
#    bash completion;
#  - one version everywhere: VERSION, gohad/gohactl --version, pkg-config
#    --modversion, the SONAME major, goha_version() and Python's
#    goha.__version__ and goha.version() on the installed library;
#  - examples/c/ha_failover.c built with `pkg-config --cflags --libs goha`
#    only runs without LD_LIBRARY_PATH against a 2-node cluster of the
#    installed gohad (it fails over and writes: exit 0);
#  - `make uninstall` removes every file it installed.
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(cat VERSION)
MAJOR=${VERSION%%.*}
TMP=$(mktemp -d /tmp/goha-install.XXXXXX)
DEST=$TMP/dest
PFX=/usr/local
CLUSTER=$TMP/cluster
pass=0 fail=0
cleanup() {
	[ -d "$CLUSTER" ] && bash ctests/lib/cluster.sh stop "$CLUSTER" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >"$TMP/out" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/     /' "$TMP/out" | tail -20; fi; }
equal() { if [ "$2" = "$3" ]; then ok "$1: $2"; else bad "$1: got '$2', want '$3'"; fi; }

if ! make -s install DESTDIR="$DEST" PREFIX=$PFX >"$TMP/install.log" 2>&1; then
	bad "make install"; cat "$TMP/install.log"; echo "$pass passed, $fail failed"; exit 1
fi
ok "make install DESTDIR=... PREFIX=$PFX"
L=$DEST$PFX/lib

# Files and links.
for f in sbin/gohad sbin/gohactl lib/libgoha.so.$VERSION include/goha/goha.h include/goha/confd_lib.h \
	include/goha/corosync/votequorum.h include/goha/cmm.h lib/pkgconfig/goha.pc share/man/man8/gohad.8 \
	share/man/man8/gohactl.8 share/man/man5/goha.toml.5 share/man/man3/libgoha.3 lib/systemd/system/gohad.service \
	share/bash-completion/completions/gohactl share/bash-completion/completions/gohad; do
	[ -e "$DEST$PFX/$f" ] || bad "installed $f"
done
equal "libgoha.so.$MAJOR links to" "$(readlink "$L/libgoha.so.$MAJOR")" "libgoha.so.$VERSION"
equal "libgoha.so links to" "$(readlink "$L/libgoha.so")" "libgoha.so.$MAJOR"
equal "SONAME" "$(readelf -d "$L/libgoha.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" "libgoha.so.$MAJOR"
[ -z "$(ls "$DEST$PFX/include/goha" | grep -x libgoha.h)" ] && ok "no cgo-generated header installed" || bad "libgoha.h installed"

# Versions.
export PKG_CONFIG_PATH=$L/pkgconfig
equal "gohad --version" "$("$DEST$PFX/sbin/gohad" --version)" "gohad $VERSION"
equal "gohactl --version" "$("$DEST$PFX/sbin/gohactl" --version)" "gohactl $VERSION"
equal "pkg-config --modversion goha" "$(pkg-config --modversion goha)" "$VERSION"
equal "python goha.version() and __version__ on the installed library" \
	"$(GOHA_LIBRARY=$L/libgoha.so.$MAJOR PYTHONPATH=python python3 -c 'import goha; print(goha.version(), goha.__version__)')" \
	"$VERSION $VERSION"
equal "GOHA_VERSION_* of the installed goha.h" \
	"$(sed -n 's/^#define GOHA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' "$DEST$PFX/include/goha/goha.h" | paste -sd.)" "$VERSION"

# Man pages render without warnings; the unit says what systemd needs.
for m in man8/gohad.8 man8/gohactl.8 man5/goha.toml.5 man3/libgoha.3; do
	check "man page $m renders cleanly" bash -c "out=\$(LC_ALL=C.UTF-8 groff -man -ww -z '$DEST$PFX/share/man/$m' 2>&1); [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
done
U=$DEST$PFX/lib/systemd/system/gohad.service
for want in "Type=notify" "WatchdogSec=" "ExecStart=$PFX/sbin/gohad --config" "ExecReload=/bin/kill -HUP \$MAINPID" "$PFX/etc/goha/goha.toml"; do
	grep -qF -- "$want" "$U" && ok "gohad.service has $want" || bad "gohad.service lacks $want"
done
# systemd's own check of the unit, with the installed paths (and man pages)
# mapped into DESTDIR.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|$PFX/sbin/|$DEST$PFX/sbin/|g" "$U" >"$TMP/gohad.service"
	check "systemd-analyze verify gohad.service" bash -c "out=\$(MANPATH='$DEST$PFX/share/man' systemd-analyze verify '$TMP/gohad.service' 2>&1); rc=\$?; [ \$rc = 0 ] && [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
else
	echo "skip systemd-analyze verify: systemd-analyze is not installed"
fi
check "bash completion loads and completes 'gohactl ha be-'" bash -c "
	source '$DEST$PFX/share/bash-completion/completions/gohactl'
	COMP_WORDS=(gohactl ha be-); COMP_CWORD=2; _gohactl; [[ \" \${COMPREPLY[*]} \" == *' be-secondary '* ]]"

# The C example with pkg-config only, run without LD_LIBRARY_PATH against
# the installed gohad.
flags=$(pkg-config --cflags --libs goha)
echo "     pkg-config --cflags --libs goha: $flags"
check "gcc examples/c/ha_failover.c \$(pkg-config --cflags --libs goha)" \
	gcc -std=gnu11 -Wall -Werror -o "$TMP/ha_failover" examples/c/ha_failover.c $flags
equal "ha_failover loads the installed library" \
	"$(realpath -m "$(env -u LD_LIBRARY_PATH ldd "$TMP/ha_failover" | sed -n 's/.*libgoha.so.[0-9]* => \([^ ]*\).*/\1/p')")" "$L/libgoha.so.$VERSION"
# The checkout compile line written in the example itself, from the root.
line=$(sed -n 's/^ \*   \(gcc -Iinclude .*\)$/\1/p' examples/c/ha_failover.c)
check "the example's own build line from the repository root: $line" \
	bash -c "${line//-o ha_failover/-o $TMP/ha_root} && env -u LD_LIBRARY_PATH ldd $TMP/ha_root | grep -q '$ROOT/build/lib/libgoha.so'"
mkdir -p "$CLUSTER"
if GOHAD=$DEST$PFX/sbin/gohad GOHACTL=$DEST$PFX/sbin/gohactl bash ctests/lib/cluster.sh start "$CLUSTER" 2 \
	'ha.token="install-test-token"' 'ha.tick_timeout="1s"' >"$TMP/cluster.log" 2>&1; then
	check "ha_failover fails over on the installed gohad" env -u LD_LIBRARY_PATH "$TMP/ha_failover" \
		"unix:$CLUSTER/node1.sock" "unix:$CLUSTER/node2.sock" "$(cat "$CLUSTER/node1.pid")" install-test-token
	grep -h "^failover" "$TMP/out" | sed 's/^/     /'
else
	bad "start a 2-node cluster of the installed gohad"; tail -20 "$TMP/cluster.log"
fi
bash ctests/lib/cluster.sh stop "$CLUSTER" >/dev/null 2>&1

# Uninstall leaves no file behind.
if make -s uninstall DESTDIR="$DEST" PREFIX=$PFX >"$TMP/uninstall.log" 2>&1; then
	left=$(find "$DEST" -type f -o -type l)
	[ -z "$left" ] && ok "make uninstall removes every file" || { bad "make uninstall left:"; echo "$left"; }
else
	bad "make uninstall"; cat "$TMP/uninstall.log"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
