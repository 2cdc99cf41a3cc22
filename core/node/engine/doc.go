// Package engine is the part of gohad that decides and that carries out
// the state machines' output: the membership state machine
// (core/membership), auto mode's controller, and the handling of their
// Ready batches, over injected seams (Env: a clock, a disk, the membership
// network, the HA runtime, the write gate and the watchdog). gohad runs it
// with CLOCK_BOOTTIME, its bbolt file, UDP and core/ha/hanet's Runtime;
// core/sim runs the very same code with virtual clocks, an in-memory disk,
// a simulated network and hanet.Drivers over simulated connections (as
// TigerBeetle's VOPR runs its real replica code).
//
// # The Ready contract
//
// core/membership and core/ha are both RawNode-like state machines with one
// contract, in the style of etcd-io/raft's Ready:
//
//  1. Input: Tick (membership: each tick period; ha: each tick_timeout),
//     Step (a message, or for ha a local event such as a closed
//     connection), and the state machine's commands. None of them does
//     I/O.
//  2. While HasReady: rd := Ready(). Handle rd in the order its type
//     documents: persist first (membership: Persist; ha: Apply) and durably
//     (fsync), then send (Messages), then publish (events; ha: Acked,
//     Aborted, Results), then call Advance(rd). Nothing persisted in rd may
//     be announced before it is on disk: that ordering is what makes a
//     membership acknowledgement a promise and an HA acknowledgement mean
//     "durable".
//  3. Advance(rd) tells the state machine that rd was carried out; output
//     produced while handling rd (a Step called from the handler, such as
//     ha's MsgClosed for a connection that failed) stays for the next
//     Ready. Until Advance, Ready returns the same output again.
//
// membership.Ready and ha.Ready list their fields in that order;
// Engine.Flush does it for membership (Disk, Net, Events) and
// hanet.Driver.HandleReady for ha (store, Transport, clients).
//
// # The loop
//
// gohad's node loop (core/node) is: wait for an input (ticker, datagram,
// control request, HA report); CatchUp (every tick period the clock says
// elapsed, after a stall all of them, before anything else); Step the
// input or run the request; Flush. The HA runtime runs on its own
// goroutine (hanet.Runtime) and reports its state with Report.
//
// # Auto mode
//
// With [ha] mode = "auto" the controller (Flush, after membership's Ready)
// makes the HA roles follow membership:
//
//   - the acting CMM master (quorate, fence passed, lease valid) whose
//     confirmed record names it primary is the HA primary of that record's
//     epoch; the published master's other data nodes are its secondaries;
//     everybody else (no master, a witness) is in role none, read-only;
//   - on the primary it keeps the published sync set (membership's Record,
//     PublishSync) in step with the secondaries the HA runtime reports in
//     sync, in an order that keeps every published node holding every
//     acknowledged commit: a secondary enters the HA runtime's required
//     set (commits wait for it) before it is published, and leaves it only
//     once a quorum confirmed a record without it (Patroni's /sync rules);
//   - it keeps the write gate (hanet.Gate) open exactly while the node is
//     the acting primary of its epoch, until the clock reaches its lease
//     deadline (membership's LeaseExpiry on this clock); a node that stops
//     acting closes it before any message of that Ready leaves (Flush),
//     since its acknowledgement of a handover lets the new master act at
//     once. The gate's transitions are logged with CLOCK_BOOTTIME stamps
//     (boot_ns, until_ns), from which tests on real processes check that
//     no two nodes accepted writes at the same time. The HA runtime
//     checks the gate when it accepts a commit and again when it would
//     acknowledge it, so a primary that was stopped (SIGSTOP, a suspend)
//     acknowledges nothing once its lease ran out, even before this loop
//     runs again; and it refuses a commit while fewer than min_sync
//     secondaries count, and acknowledges none meanwhile: a secondary
//     counts once every record published since the newest one a quorum
//     confirmed lists it in sync, so that, if the primary is lost for
//     good, an election may choose a node holding the commit (counting it
//     from its publication on let a commit be acknowledged with its only
//     other copy on a node nobody else yet knew to be in sync).
//
// Errors a writer sees (confd_errno): CONFD_ERR_NOT_WRITABLE (4) when the
// node is not the acting primary or its lease ran out; CONFD_ERR_UNAVAILABLE
// (44) when fewer than min_sync secondaries are in sync (for a moment
// after a secondary caught up, until a quorum confirmed it); CONFD_ERR_HA_ABORT
// (71) for a commit that was accepted but not acknowledged (the lease ran
// out before the secondaries confirmed it, or the set of secondaries shrank
// below min_sync): it is in the local store and may survive, or not.
//
// Timing. A new master acts (and so its gate opens) only after
// membership's fence wait W = ceil((L+X)(1+ρ)/(1-ρ)) + 2 ticks, L the
// lease, X the watchdog extra below, ρ = MaxDriftPPM/10^6 (1000 ppm by
// default, twice NTP's slew cap): W-1 ticks of the fastest allowed clock
// outlast L ticks of the slowest, so the old primary's lease has certainly
// run out, on its own clock, before the new primary accepts a write. Ticks
// are counted on CLOCK_BOOTTIME (BootClock), which unlike Go's monotonic
// clock also counts time the machine spent suspended.
//
// # Watchdog
//
// With [fencing] watchdog the node opens the device (OpenWatchdog, the
// Linux watchdog API through golang.org/x/sys/unix ioctls) and feeds it
// from Flush while it is healthy. As the acting primary each kick sets,
// with WDIOC_SETTIMEOUT (read back with WDIOC_GETTIMEOUT), a timeout that
// ends no later than WatchdogTimeout after its lease deadline, and the gate
// opens only once such a kick is armed; every node's fence wait grows by
// WatchdogTimeout (FenceExtra, the same on every node since [fencing] is
// cluster-wide). So if the daemon hangs or is stopped while primary, the
// machine is reset before any other node may act as primary. A node that
// is not the acting primary kicks with IdleTimeout. A device that rounds
// the timeout up is not trusted: the node then accepts no writes. On a
// clean shutdown the device is disarmed with the magic close. Without a
// watchdog the gate alone stops a stopped or partitioned primary from
// acknowledging writes (see the README); what it cannot stop is a process
// that acknowledged just before it was stopped and whose client learns of
// it late, or clients reading stale data from it.
package engine
