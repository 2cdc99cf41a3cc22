# ctests/conformance/corosync.sh -- a one-node Debian corosync bound to
# 127.0.0.1 (knet on 127.0.0.1:5405) in a directory of its own, for the
# scripts that compare goha with the real thing (conformance/run.sh,
# examples/bench/votequorum_getinfo.sh).  Source it; it needs corosync and
# corosync-quorumtool installed and no other corosync running (the tool
# talks to whichever one owns the IPC names).
#
#   corosync_start DIR NAME [PREFIX ...]  write DIR/corosync.conf (cluster_name
#                                         NAME, state and run dirs under DIR),
#                                         start corosync in the background
#                                         (through PREFIX, e.g. taskset -c 0)
#                                         logging to DIR/log, set COROSYNC_PID
#                                         and wait up to 30 s for quorum;
#                                         returns 1, the reason on stderr, if
#                                         it exits or is not quorate by then
#   corosync_stop                         SIGTERM it, wait up to 10 s, then
#                                         SIGKILL; a no-op when none runs

COROSYNC_PID=""

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
	"$@" corosync -f -c "$dir/corosync.conf" >"$dir/log" 2>&1 &
	COROSYNC_PID=$!
	local deadline=$((SECONDS + 30))
	until corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *Yes'; do
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
	wait "$COROSYNC_PID" 2>/dev/null
	COROSYNC_PID=""
}
