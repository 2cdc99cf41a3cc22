# ctests/conformance/tools.sh -- build corosync's tools, test programs and
# corosync-qdevice from their Debian sources, unchanged, for the conformance
# run.  Source it; ROOT is the goha checkout.
#
#   conformance_build_goha SRC OUT     corosync-quorumtool, corosync-cmapctl,
#                                      corosync-cfgtool and the test programs
#                                      against include/ and -lgoha
#   conformance_build_debian SRC OUT   the test programs against Debian's
#                                      headers and libraries (the tools are
#                                      Debian's own binaries, linked into OUT)
#   conformance_build_qdevice QSRC OUT corosync-qdevice's configure and make
#                                      with PKG_CONFIG_PATH naming goha's
#                                      pkg-config files (build/lib/corosync/
#                                      pkgconfig: include/ and -lgoha)
#
# Every compiler run uses -Wall -Werror: "builds unchanged" means without a
# warning.  The tools include corosync's internal <corosync/totem/totem.h>
# (for INTERFACE_MAX), which Debian does not install: it comes from the
# source tree, after include/, so that every public header is goha's.  The
# sources expect an autoconf config.h; the tools need only VERSION from it.

CONFORMANCE_TESTS="testquorum testquorummodel testvotequorum1 testvotequorum2 testcfg"
CONFORMANCE_CFLAGS=(-O1 -g -Wall -Werror)

conformance_config_h() {
	local src=$1 out=$2 v
	v=$(cat "$src/.tarball-version" 2>/dev/null || basename "$(readlink -f "$src")" | sed 's/^corosync-//')
	printf '/* config.h for building corosync tools outside autoconf */\n#define VERSION "%s"\n#define PACKAGE_VERSION "%s"\n' "$v" "$v" >"$out/config.h"
}

# conformance_cc OUT LOG ARGS...: compile and link one program; the log
# keeps the compiler's messages.
conformance_cc() {
	local out=$1 log=$2
	shift 2
	if ! gcc "${CONFORMANCE_CFLAGS[@]}" -o "$out" "$@" >"$log" 2>&1; then
		echo "conformance: building $(basename "$out") failed:" >&2
		sed 's/^/    /' "$log" | head -20 >&2
		return 1
	fi
}

conformance_build_goha() {
	local src=$1 out=$2 t
	mkdir -p "$out"
	conformance_config_h "$src" "$out"
	local inc=(-I"$out" -I"$ROOT/include" -I"$src/include" -I"$src/tools")
	local lib=(-L"$ROOT/build/lib" "-Wl,-rpath,$ROOT/build/lib" -lgoha)
	conformance_cc "$out/corosync-quorumtool" "$out/quorumtool.log" "${inc[@]}" \
		"$src/tools/corosync-quorumtool.c" "$src/tools/util.c" "${lib[@]}" || return 1
	conformance_cc "$out/corosync-cfgtool" "$out/cfgtool.log" "${inc[@]}" \
		"$src/tools/corosync-cfgtool.c" "$src/tools/util.c" "${lib[@]}" || return 1
	conformance_cc "$out/corosync-cmapctl" "$out/cmapctl.log" "${inc[@]}" \
		"$src/tools/corosync-cmapctl.c" "${lib[@]}" || return 1
	for t in $CONFORMANCE_TESTS; do
		conformance_cc "$out/$t" "$out/$t.log" "${inc[@]}" "$src/test/$t.c" "${lib[@]}" -lpthread || return 1
	done
}

conformance_build_debian() {
	local src=$1 out=$2 t
	mkdir -p "$out"
	conformance_config_h "$src" "$out"
	for t in corosync-quorumtool corosync-cmapctl corosync-cfgtool; do
		ln -sf "$(command -v "$t")" "$out/$t"
	done
	for t in $CONFORMANCE_TESTS; do
		conformance_cc "$out/$t" "$out/$t.log" -I"$out" "$src/test/$t.c" \
			-lquorum -lvotequorum -lcfg -lcorosync_common -lpthread || return 1
	done
}

conformance_build_qdevice() {
	local qsrc=$1 out=$2
	rm -rf "$out"
	mkdir -p "$out"
	# A fresh copy with its timestamps (cp -a), so make does not try to
	# rerun autotools.
	cp -a "$(readlink -f "$qsrc")/." "$out/" || return 1
	(
		cd "$out" &&
			PKG_CONFIG_PATH="$ROOT/build/lib/corosync/pkgconfig" ./configure --disable-systemd --disable-qnetd \
				--enable-fatal-warnings >configure.log 2>&1 &&
			make -C qdevices -j2 corosync-qdevice corosync-qdevice-tool >make.log 2>&1
	) || {
		echo "conformance: building corosync-qdevice against goha failed:" >&2
		tail -20 "$out/configure.log" "$out/make.log" 2>/dev/null | sed 's/^/    /' >&2
		return 1
	}
}
