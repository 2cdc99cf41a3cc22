# ctests/conformance/corosync.sh -- a one-node Debian corosync bound to
# 127.0.0.1 (knet on 127.0.0.1:5405) in a directory of its own, for the
# scripts that compare goha with the real thing (conformance/run.sh,
# examples/bench/votequorum_getinfo.sh).  Source it; it needs corosync and
# corosync-quorumtool installed.
#
#   corosync_start DIR NAME [PREFIX ...]  write DIR/corosync.conf (cluster_name
#                                         NAME, node 1 named n1, state and run
#                                         dirs under DIR), start corosync in the
#                                         background (through PREFIX, e.g.
#                                         taskset -c 0) logging to DIR/log, set
#                                         COROSYNC_PID and wait up to 30 s for
#                                         quorum; returns 1, the reason on
#                                         stderr, if it exits or is not quorate
#                                         by then
#   corosync_run CMD ...                  run a client command against it
#   corosync_stop                         SIGTERM it, wait up to 10 s, then
#                                         SIGKILL; a no-op when none runs
#
# Clients find corosync through libqb's abstract unix sockets, which belong
# to a network namespace.  With COROSYNC_NETNS=1 (and root), corosync runs
# in a network namespace of its own and corosync_run enters it, so the run
# cannot meet another corosync on the machine (another engineer's, or a
# system one).  Otherwise it shares the machine's namespace, and
# corosync_start refuses to start while another corosync runs.

COROSYNC_PID=""
COROSYNC_NETNS=${COROSYNC_NETNS:-0}
corosync_ns=""

corosync_run() {
	if [ -n "$corosync_ns" ]; then
		nsenter "--net=$corosync_ns" -- "$@"
	else
		"$@"
	fi
}

corosync_start() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir/state" "$dir/run" || return 1
	cat >"$dir/corosync.conf" <<CONF
totem {
	version: 2
	cluster_name: $name
	transport: knet
	crypto_cipher: none
	crypto_hash: none
}
nodelist {
	node {
		ring0_addr: 127.0.0.1
		nodeid: 1
		name: n1
	}
}
quorum {
	provider: corosync_votequorum
}
system {
	state_dir: $dir/state
	run_dir: $dir/run
}
logging {
	to_stderr: yes
	to_syslog: no
	to_logfile: no
}
CONF
	corosync_ns=""
	if [ "$COROSYNC_NETNS" = 1 ]; then
		# A namespace whose loopback is up; corosync is the exec'd child, so
		# its pid names the namespace for nsenter.
		"$@" unshare --net --fork -- sh -c 'ip link set lo up && exec corosync -f -c "$1"' sh "$dir/corosync.conf" \
			>"$dir/log" 2>&1 &
		local outer=$! deadline=$((SECONDS + 10))
		until COROSYNC_PID=$(pgrep -P "$outer" -x corosync); do
			kill -0 "$outer" 2>/dev/null && [ $SECONDS -lt $deadline ] ||
				{ echo "corosync did not start in its namespace:" >&2; tail -5 "$dir/log" >&2; COROSYNC_PID=$outer; corosync_stop; return 1; }
			sleep 0.02
		done
		corosync_ns=/proc/$COROSYNC_PID/ns/net
		COROSYNC_OUTER=$outer
	else
		if pgrep -x corosync >/dev/null; then
			echo "a corosync is already running on this machine; stop it first (or use COROSYNC_NETNS=1)" >&2
			return 1
		fi
		"$@" corosync -f -c "$dir/corosync.conf" >"$dir/log" 2>&1 &
		COROSYNC_PID=$!
		COROSYNC_OUTER=$!
	fi
	local deadline=$((SECONDS + 30))
	until corosync_run corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *Yes'; do
		if ! kill -0 "$COROSYNC_PID" 2>/dev/null; then
			echo "corosync exited:" >&2
			tail -5 "$dir/log" >&2
			COROSYNC_PID=""
			return 1
		fi
		[ $SECONDS -lt $deadline ] || { echo "corosync not quorate within 30s" >&2; return 1; }
		sleep 0.05
	done
}

corosync_stop() {
	[ -n "$COROSYNC_PID" ] || return 0
	kill -TERM "$COROSYNC_PID" 2>/dev/null
	local deadline=$((SECONDS + 10))
	while kill -0 "$COROSYNC_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
	kill -KILL "$COROSYNC_PID" 2>/dev/null
	wait "$COROSYNC_OUTER" 2>/dev/null
	COROSYNC_PID=""
	corosync_ns=""
}
