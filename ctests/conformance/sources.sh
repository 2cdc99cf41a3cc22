# ctests/conformance/sources.sh -- fetch and unpack Debian source packages
# (corosync, corosync-qdevice) for the conformance suite.  Source it.
#
#   conformance_sources DIR PKG...   for each PKG, make DIR/PKG a link to its
#                                    unpacked source tree; downloads go to
#                                    DIR/dl and are kept, so a second run
#                                    needs no network
#
# The machine may have no deb-src entries: then the deb lines of its own
# apt sources (one-line and deb822 files) are copied as deb-src into a
# temporary apt configuration (its own source list and list directory), so
# the system's apt state is left alone.  `apt-get source` fails as a whole
# when a mirror lacks a file it does not need (a signature, or the Debian
# diff of the package); the download-only step is therefore checked by what
# arrived, and a tree whose Debian diff is missing is unpacked from the
# upstream tarball alone.

conformance_apt_opts=()

# conformance_apt_config WORKDIR: set conformance_apt_opts so that apt-get
# sees deb-src entries.
conformance_apt_config() {
	local work=$1 f
	conformance_apt_opts=()
	if apt-get source --print-uris corosync >/dev/null 2>&1; then
		return 0 # the machine has deb-src entries
	fi
	mkdir -p "$work/apt/sources.list.d" "$work/apt/lists/partial"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >"$work/apt/sources.list"
	else
		: >"$work/apt/sources.list"
	fi
	for f in /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$work/apt/sources.list"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: every stanza whose Types has deb gets deb-src instead.
		sed 's/^Types:.*$/Types: deb-src/' "$f" >"$work/apt/sources.list.d/$(basename "$f")"
	done
	conformance_apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list"
		-o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
		-o "Dir::State::Lists=$work/apt/lists")
	apt-get "${conformance_apt_opts[@]}" update -qq >"$work/apt/update.log" 2>&1 || {
		echo "conformance: apt-get update with deb-src entries failed (see $work/apt/update.log)" >&2
		return 1
	}
}

# conformance_unpack DIR PKG: unpack the downloaded PKG in DIR/dl into
# DIR/PKG-VERSION and point DIR/PKG at it.
conformance_unpack() {
	local dir=$1 pkg=$2 dsc tree orig
	dsc=$(ls "$dir"/dl/"$pkg"_*.dsc 2>/dev/null | sort -V | tail -1)
	[ -n "$dsc" ] || { echo "conformance: no $pkg .dsc downloaded" >&2; return 1; }
	rm -rf "$dir/unpack-$pkg"
	mkdir -p "$dir/unpack-$pkg"
	if ! (cd "$dir/unpack-$pkg" && dpkg-source --no-check -x "$dsc" >/dev/null 2>&1); then
		rm -rf "$dir/unpack-$pkg"/*
		orig=$(ls "$dir"/dl/"$pkg"_*.orig.tar.* 2>/dev/null | head -1)
		[ -n "$orig" ] || { echo "conformance: $pkg: neither the source package nor its upstream tarball unpacks" >&2; return 1; }
		echo "conformance: $pkg: Debian diff unavailable, using the upstream tarball $(basename "$orig")"
		tar xf "$orig" -C "$dir/unpack-$pkg" || return 1
	fi
	tree=$(find "$dir/unpack-$pkg" -mindepth 1 -maxdepth 1 -type d | head -1)
	[ -n "$tree" ] || return 1
	rm -f "$dir/$pkg"
	ln -s "$tree" "$dir/$pkg"
}

conformance_sources() {
	local dir=$1 pkg
	shift
	mkdir -p "$dir/dl"
	for pkg in "$@"; do
		if [ -e "$dir/$pkg/configure" ]; then
			continue
		fi
		if ! ls "$dir"/dl/"$pkg"_*.dsc >/dev/null 2>&1; then
			if [ ${#conformance_apt_opts[@]} -eq 0 ] && ! apt-get source --print-uris "$pkg" >/dev/null 2>&1; then
				conformance_apt_config "$dir" || return 1
			fi
			echo "conformance: fetching the $pkg source package"
			(cd "$dir/dl" && apt-get "${conformance_apt_opts[@]}" source --download-only "$pkg" \
				>"$dir/dl/$pkg.log" 2>&1) ||
				echo "conformance: apt-get source $pkg reported errors (see $dir/dl/$pkg.log); using what arrived"
		fi
		conformance_unpack "$dir" "$pkg" || return 1
	done
}
