#!/usr/bin/env bash
# Membership at scale, real processes on this machine: N gohad started at
# once, the time until all publish one common quorate view with a master,
# then an idle window with the number of view and role changes, the total
# and per-node CPU and RSS and the datagrams each node sends; for N = 3,
# 16, 32, 64 at the example timing (300/900 ms) and N = 3, 16, 32 at
# 20/200 ms, and 3 and 64 nodes with crypto_cipher = "aes256-gcm".
# Then the idle CPU of 3 corosync 3 nodes over the same window (Debian's
# corosync, as ctests/conformance/run.sh installs it; root: each node in
# its own network namespace, joined by a bridge, knet without and with
# crypto), next to goha's 3-node rows.
#
#   IDLE=5m examples/bench/scale.sh     # the idle window (default 30s here)
#   BASELINE_GOHAD=/path/to/old/gohad   # also run every row with that binary
#   SCALE_ROWS="3:300ms:900ms 64:300ms:900ms"   # only these rows
#
# The machine is shared: the load average is printed before and after.
source "$(dirname "$0")/lib.sh" gohabench
IDLE=${IDLE:-30s}
ROWS=${SCALE_ROWS:-"3:300ms:900ms 16:300ms:900ms 32:300ms:900ms 64:300ms:900ms 3:20ms:200ms 16:20ms:200ms 32:20ms:200ms 3:300ms:900ms:aes256-gcm 64:300ms:900ms:aes256-gcm"}
echo "membership at scale: idle window $IDLE (IDLE=5m for the full figure); $(uptime | sed 's/.*load/load/')"
bins=("goha=build/bin/gohad")
[ -n "${BASELINE_GOHAD:-}" ] && bins+=("baseline=$BASELINE_GOHAD")
header=--header
for row in $ROWS; do
	IFS=: read -r n hb ft cipher <<<"$row"
	for b in "${bins[@]}"; do
		label=${b%%=*}
		if [ -n "$cipher" ]; then
			[ "$label" = goha ] || continue # an older gohad may not know crypto_cipher
			label="$label+aes"
		fi
		"$tmp/gohabench" scale $header --gohad "${b#*=}" --nodes "$n" --heartbeat "$hb" --failure "$ft" \
			${cipher:+--cipher "$cipher"} --idle "$IDLE" --label "$label" || echo "  (row $row with ${b%%=*} failed)"
		header=
	done
done

# corosync: 3 nodes, each in a network namespace of its own.
corosync3() { # crypto_cipher crypto_hash label
	local cipher=$1 hash=$2 label=$3 w p i keyline=""
	w=$(mktemp -d /tmp/goha-cs3.XXXXXX)
	p=gohacs$$
	cs3_cleanup() {
		local i k
		for i in 1 2 3; do [ -f "$w/n$i/pid" ] && kill "$(cat "$w/n$i/pid")" 2>/dev/null; done
		for k in $(seq 100); do
			pgrep -f "corosync -f -c $w/" >/dev/null || break
			sleep 0.1
		done
		for i in 1 2 3; do [ -f "$w/n$i/pid" ] && kill -9 "$(cat "$w/n$i/pid")" 2>/dev/null; done
		wait 2>/dev/null
		for i in 0 1 2 3; do ip netns del "$p$i" 2>/dev/null; done
		rm -rf "$w"
	}
	ip netns add "${p}0" && ip -n "${p}0" link add br0 type bridge && ip -n "${p}0" link set br0 up || { cs3_cleanup; return 1; }
	for i in 1 2 3; do
		ip netns add "$p$i"
		ip link add "v$p$i" type veth peer name eth0 netns "$p$i"
		ip link set "v$p$i" netns "${p}0"
		ip -n "${p}0" link set "v$p$i" master br0
		ip -n "${p}0" link set "v$p$i" up
		ip -n "$p$i" addr add "10.213.0.$i/24" dev eth0
		ip -n "$p$i" link set eth0 up
		ip -n "$p$i" link set lo up
	done
	if [ "$hash" != none ]; then
		head -c 256 /dev/urandom >"$w/authkey" && chmod 400 "$w/authkey"
		keyline="keyfile: $w/authkey"
	fi
	for i in 1 2 3; do
		mkdir -p "$w/n$i/state"
		cat >"$w/n$i/corosync.conf" <<CONF
totem {
	version: 2
	cluster_name: goha-bench
	transport: knet
	crypto_cipher: $cipher
	crypto_hash: $hash
	$keyline
}
nodelist {
	node {
		ring0_addr: 10.213.0.1
		nodeid: 1
	}
	node {
		ring0_addr: 10.213.0.2
		nodeid: 2
	}
	node {
		ring0_addr: 10.213.0.3
		nodeid: 3
	}
}
quorum {
	provider: corosync_votequorum
}
system {
	state_dir: $w/n$i/state
}
logging {
	to_stderr: yes
	to_syslog: no
	to_logfile: no
}
CONF
		# A private /run: corosync's lock file is /var/run/corosync.pid.
		ip netns exec "$p$i" sh -c "mount -t tmpfs goha-cs /run && exec corosync -f -c $w/n$i/corosync.conf" >"$w/n$i/log" 2>&1 &
		echo $! >"$w/n$i/pid"
	done
	local deadline=$((SECONDS + 60))
	until ip netns exec "${p}1" corosync-quorumtool -s 2>/dev/null | grep -q 'Total votes: *3'; do
		[ $SECONDS -lt $deadline ] || { echo "  corosync ($label): no 3-node membership within 60s"; cs3_cleanup; return 1; }
		sleep 0.1
	done
	local secs=${IDLE%s} mult=1
	case $IDLE in *m) secs=${IDLE%m}; mult=60 ;; esac
	secs=$((secs * mult))
	local hz before after total=0 rss=0 line
	hz=$(getconf CLK_TCK)
	declare -a before
	for i in 1 2 3; do
		read -r -a f <"/proc/$(cat "$w/n$i/pid")/stat"
		before[i]=$((f[13] + f[14]))
	done
	sleep "$secs" # the measurement window itself, not a wait for a condition
	line=""
	for i in 1 2 3; do
		read -r -a f <"/proc/$(cat "$w/n$i/pid")/stat"
		after=$((f[13] + f[14]))
		total=$((total + after - before[i]))
		rss=$((rss + $(awk '/VmRSS/ {print $2}' "/proc/$(cat "$w/n$i/pid")/status")))
	done
	awk -v t="$total" -v hz="$hz" -v s="$secs" -v r="$rss" -v l="$label" 'BEGIN {
		cpu = 100 * t / hz / s
		printf "%-10s %5d %-11s %9s %8s %7s %5s %8.1f%% %14s %13s %9s\n", l, 3, "knet", "-", s "s", "-", "-", cpu,
			sprintf("%.2f%%", cpu / 3), sprintf("%.1f", r / 3 / 1024), "-" }'
	cs3_cleanup
}
if [ "$(id -u)" = 0 ] && command -v corosync >/dev/null && command -v ip >/dev/null; then
	corosync3 none none corosync
	corosync3 aes256 sha256 corosync+aes
else
	echo "corosync   (not measured: needs root, ip and corosync; ctests/conformance/run.sh installs corosync)"
fi
echo "after: $(uptime | sed 's/.*load/load/')"
