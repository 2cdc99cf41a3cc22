# ctests/conformance/suite.sh -- the commands the conformance run gives to
# corosync's own tools and test programs, once against the real corosync and
# once against goha.  Source it.
#
#   conformance_suite OUT BINDIR [RUNNER ...]
#       run every command of the suite, writing a transcript to OUT: for each
#       command a "$ command" line, its stdout and stderr (with the masks
#       below applied) and "exit N".  BINDIR holds corosync-quorumtool,
#       corosync-cmapctl, corosync-cfgtool and the test programs (named as
#       in corosync's test/ directory); RUNNER prefixes every command (env
#       settings, or corosync_run to enter corosync's namespace).
#
# Masks: ring sequence numbers (corosync's ring ids count its totem rings,
# gohad's its agreed views: the meaning is the same, the numbers are not),
# the date quorumtool prints, and the timeouts the long-running programs
# are stopped with.  Programs that run until stopped (quorumtool -m, the
# test programs that wait for events) get a fixed time and their output up
# to then is compared; each prints its initial state at once, so what they
# print within the time does not depend on the machine's speed.

# conformance_mask: the masks, as a filter.
conformance_mask() {
	sed -E \
		-e 's#^/[^ :]*/([a-z0-9-]+):#\1:#' \
		-e 's/^(Date: +).*/\1<date>/' \
		-e 's/(Ring ID: +)([0-9a-f]+\.)?[0-9a-f]+/\1\2<seq>/' \
		-e 's/(ring id += )([0-9a-f]+\.)?[0-9a-f]+/\1\2<seq>/' \
		-e 's/(current ringid += \()([0-9a-f]+)\.[0-9a-f]+\)/\1\2.<seq>)/'
}

# conformance_cmd OUT TIMEOUT CMD...: one transcript entry; TIMEOUT 0 means
# the command must end by itself (it still gets 20 s before it counts as
# hung).
conformance_cmd() {
	local out=$1 t=$2 rc
	shift 2
	printf '$ %s\n' "$(basename "$1")${2:+ ${*:2}}" >>"$out"
	if [ "$t" = 0 ]; then
		"${conformance_runner[@]}" timeout 20 "$@" </dev/null >"$out.one" 2>&1
		rc=$?
	else
		# stdbuf: the programs print to a file, which stdio buffers.
		"${conformance_runner[@]}" timeout -s INT "$t" stdbuf -oL -eL "$@" </dev/null >"$out.one" 2>&1
		rc=$?
		[ $rc = 124 ] && rc="stopped after ${t}s"
	fi
	conformance_mask <"$out.one" >>"$out"
	echo "exit $rc" >>"$out"
	rm -f "$out.one"
}

conformance_suite() {
	local out=$1 bin=$2
	shift 2
	conformance_runner=("$@")
	: >"$out"
	local qt=$bin/corosync-quorumtool cm=$bin/corosync-cmapctl cf=$bin/corosync-cfgtool
	local c="conformance_cmd $out 0" w="conformance_cmd $out 3"

	# corosync-quorumtool: status in every format, list, expected votes
	# and votes (accepted and refused), qdevice unregister without a
	# device, version, and the first block of monitor mode.
	$c "$qt" -s
	$c "$qt" -s -H
	$c "$qt" -s -p
	$c "$qt" -s -i
	$c "$qt" -l
	$c "$qt" -l -i
	$c "$qt" -l -a
	$c "$qt" -l -o n
	$c "$qt" -l -o i
	$c "$qt" -l -p
	$c "$qt" -e 1
	$c "$qt" -e 2
	$c "$qt" -e 0
	$c "$qt" -v 1
	$c "$qt" -v 1 -n 1
	$c "$qt" -v 2 -n 99
	$c "$qt" -f
	$c "$qt" -V
	$w "$qt" -m

	# corosync-cmapctl: the keys both serve, by name and by prefix; set,
	# get, type change, delete and prefix delete of a key of our own;
	# refused writes to read-only keys; missing keys.
	$c "$cm" -g totem.cluster_name
	$c "$cm" -g totem.version
	$c "$cm" -g quorum.provider
	$c "$cm" -g runtime.votequorum.this_node_id
	$c "$cm" -g nodelist.node.0.name
	$c "$cm" -g no.such.key
	$c "$cm" nodelist.
	$c "$cm" runtime.votequorum.
	$c "$cm" runtime.members.
	$c "$cm" -s conformance.a u32 7
	$c "$cm" -g conformance.a
	$c "$cm" -s conformance.a str hello
	$c "$cm" -g conformance.a
	$c "$cm" -s conformance.b i16 300
	$c "$cm" -s conformance.c flt 1.5
	$c "$cm" conformance.
	$c "$cm" -d conformance.a
	$c "$cm" -g conformance.a
	$c "$cm" -D conformance.
	$c "$cm" conformance.
	$c "$cm" -s totem.version u32 3
	$c "$cm" -s nodelist.node.0.nodeid u32 9
	$c "$cm" -d totem.cluster_name
	$c "$cm" -s quorum.expected_votes u32 1
	$c "$cm" -g quorum.expected_votes
	$c "$cm" -d no.such.key

	# corosync-cfgtool: link status, node status, addresses, local id.
	$c "$cf" -s
	$c "$cf" -n
	$c "$cf" -a 1
	$c "$cf" -a 99
	$c "$cf" -R
	$c "$cf" -L

	# corosync's test programs.
	$w "$bin/testquorum"
	$w "$bin/testquorummodel"
	$w "$bin/testvotequorum1"
	$w "$bin/testvotequorum1" 1
	$c "$bin/testvotequorum2" -1
	$c "$bin/testcfg"
}
