// Package sim is goha's deterministic simulator: it runs 1 to 64
// membership state machines (core/membership) in one process over a
// virtual network and virtual clocks, injects faults from a seed, and checks
// DESIGN.md's invariants after every step of every node.
//
// # Building blocks (reusable with other payloads)
//
// Network[M] is a virtual network for any message type M: directed links
// that can be cut (one-way or symmetric partitions), and per-packet loss,
// duplication and random delay (hence reordering) from PacketOptions, in the
// style of TigerBeetle's PacketSimulator. Packets are delivered in (time,
// send order). Clock is a node's tick clock whose rate differs from true
// time by up to a configured drift. Time is true virtual time in units of
// 1/TickUnits of a nominal tick. All randomness comes from one math/rand/v2
// PCG source seeded from Options.Seed, and nodes are always visited in id
// order, so a seed replays exactly.
//
// # Cluster, faults and checks
//
// Cluster runs the nodes: each node's clock ticks at its own drifted rate;
// a node runs a pass of the daemon's loop (membership.Node.StepBatch over
// the messages that arrived, stamped with its clock at arrival, up to its
// clock now) whenever a tick falls due or a message arrives and it can
// run; its Ready is handled as the daemon does (persist to its simulated
// disk, send, publish events). CPUOptions model the machine: passes that
// cost time, a node busy until its pass ends (its messages leave then, and
// what arrives meanwhile waits for the next pass), cores shared by all
// nodes, slow nodes, bounded inboxes and scheduling stalls. With the zero
// value every pass is instant and handles one input, as an idle daemon
// does. The network carries datagrams as the daemon's transport sends
// them (datagram.go): each node process has a random session and numbers
// its datagrams, and each receiver runs wire.PeerSessions, so duplicates
// are refused and a restarted process is verified by a challenge round
// before its messages count (TestWipedNodeRejoins: a node wiped after
// 2,000 ticks rejoins as fast as a fresh one, and its old process's
// datagrams replayed afterwards are refused). Faults: crash (with or without losing the disk),
// restart (a new incarnation; from the disk, or from nothing), pause (the
// process stops: no pass runs, ticks fall due and packets wait, stamped
// when it runs again since its reader is stopped too; its first pass
// after the resume catches up on all of it), symmetric partitions
// into 2 or 3 groups, one-way link cuts, heal, packet loss, duplication,
// delay and reordering, clock drift, and CMM administrative calls
// (mastership release, (dis)qualification, seize, synchronisation), plus,
// on every tenth seed (Options.VoteAdmin), votequorum setexpected and
// setvotes calls, with values that keep every quorum a majority of the
// configured votes (Options.AnyVotes lifts that), and on seeds ending in 5
// a slow machine (SlowMachine: two shared cores, costly passes, a few
// nodes twice as slow, and scheduling stalls of up to 16 ticks in the
// fault period).
//
// A node acts (as master, for invariant 5) only while it is current: a
// node whose loop is behind its clock (paused, stalled, or waiting for a
// core with a tick due) answers nothing until its next pass has caught up,
// as the daemon replays the ticks it owes before it answers anything.
//
// The Checker verifies after every node step: 1 (one member list per ring
// id), 2 (no view holds an incarnation that crashed before the view was
// proposed), 4 (installed ring seqs strictly increase per node, across
// restarts with the disk), 5 (at most one node acts as quorate CMM master at
// any instant; two_node clusters are exempt, since votequorum keeps both
// halves quorate there by design, and so are masters of pairwise disjoint
// views under auto_tie_breaker or last_man_standing, whose latched
// tie-breaker and shrunken expected votes can make two disjoint partitions
// quorate in corosync too: seed 558 with -nodes 32 is such a case; the
// same goes for AnyVotes runs, where the administrator's setexpected or
// setvotes in one partition overrides the arithmetic), and 6 (with plain
// votequorum options and no vote changes, a view is quorate exactly when it
// holds a strict majority of the votes). In VoteAdmin runs invariant 6 is
// checked once the cluster has settled (Cluster.checkSettledQuorum): the
// nodes' records of each other's votes and expected votes agree with the
// nodes' own, and no quorum is below votequorum's; TestVoteAdminExact,
// without crashes and partitions, requires exactly votequorum's quorum on
// every node. Breaking the admin stamps (a member's info taken from a
// message sent before a setexpected it had not applied yet) fails it at
// seed 193 (3 nodes), and TestSetExpectedThenNodeLoss at seed 1.
// RunScenario then stops the faults, heals, resumes and restarts everything
// and checks 3 (one common view of all nodes within LivenessBound ticks,
// that then stays put for 3H+2D+2 ticks: right after the faults every node
// may still show a view a late fault has doomed). A
// violation fails with the seed, the options, the trace of recent events and
// the go test command line that replays it.
//
// # Slow nodes and overload
//
// TestSlowMaster64 is the 64-node state seen on real processes (node 1,
// master, reporting no master while the 63 others named it): node 1's loop
// becomes seven times slower than the others' after the view formed. With
// the daemon's former loop (catch up on the ticks, then one input per
// pass) the others name n1 for 51 ticks while its lease, fed by echoes it
// handles far too late, has lapsed, and then n1 moves the mastership to
// n2; with StepBatch (arrival order, superseded heartbeats skipped) nothing
// changes. TestOverloadSettles runs 24 and 32 nodes at 20/200 ms on two
// cores that cannot keep up (32 nodes want 1.4 cores for heartbeats) with
// stalls shorter than the failure timeout: one view forms, holds with no
// change for 1,500 ticks, forms again after crashes and restarts, holds
// again. With the former loop the 24-node cluster changed its view twice
// in the hold period.
//
// # Running
//
//	go test ./core/sim                                  # 2,000 seeds, sizes 1..16, ~1 min
//	go test ./core/sim -run TestSweep -seeds 100000     # a big sweep (GOHA_SIM_SEEDS too)
//	go test ./core/sim -run TestSweep -seeds 20000 -nodes 64
//	go test ./core/sim -run TestSweep -seed 1234 -v      # replay one seed, print its trace
//	go test ./core/sim -run TestTranscripts [-rewrite]  # testdata/*.txt scenarios
//	go test ./core/sim -run XXX -bench Failover -benchtime 1x
//
// Each seed runs 200 ticks of faults (heartbeat 2, failure 8 ticks, drift up
// to 2%, 5% loss, 2% duplication, delays up to one tick) then a quiet period.
// Seeds vary the options: every tenth seed uses wait_for_all, auto tie
// breaker (even sizes), ineligible nodes or votequorum vote changes. A sweep of 100,000 seeds takes
// about 30 minutes on two cores (run it with -timeout 2h).
//
// # The checker has teeth
//
// Breaking the protocol on purpose is caught by the default 2,000-seed
// sweep: with no fence wait for a new master, invariant 5 fails at seed 2
// (3 nodes); committing a view once a majority (not all) of the members
// acknowledged fails invariant 2 at seed 5 (6 nodes); acting as master
// without a quorum check and without the lease fails invariant 5 at seed 26
// (11 nodes); letting a receiver treat every departing node as LEAVING
// failed invariant 6 in the leave transcript. Disabling only the lease is
// not caught any more: the fence wait, the demotion at acceptance and the
// views a cut-off master installs on its own already keep the masters
// apart in every scenario the simulator produces; the lease is the
// backstop for a master that keeps a quorate view it can no longer renew.
//
// The fence wait counts from the members' Quiet (membership's package doc).
// Taking the largest Quiet of the acknowledgements instead of the least
// fails invariant 5 at seed 2 (3 nodes); letting the old master count the
// echoes of a member that acknowledged a view without it (support from any
// ring) fails invariant 5 at seed 1113 (10 nodes). Not counting the nodes a
// restarted member never heard (its previous incarnation may have echoed
// them) is not reached by the sweep; TestRestartedSupporters builds that
// case and fails invariant 5 at its seed 1. Dropping the drift
// scaling and the margin of the wait (L - Quiet instead of W - Quiet) is not
// caught: a master cut off from the others installs a view of its own
// about FailureTicks after it last heard them and stops acting then, before
// its lease runs out, and the new master also waits for a fresh lease after
// its view, up to H + D ticks; the few ticks of drift margin stay inside
// that slack in every scenario the simulator produces.
//
// # Results of big sweeps
//
// Sweeps found, while the protocol was written: a ring id tie between two
// representatives that left both proposals refused (fixed: outbid with a
// higher seq), a node whose disk was wiped coming back with an incarnation
// its peers already knew (fixed: MsgStale when a view member reports an
// older ring), a continuing master counting support for a proposal reached
// through another view (invariant 5; fixed: support counts only from the
// installed ring or the ring reached straight from it), symmetric "taken"
// rules that split a healed cluster in two (fixed: only lower-id groups
// claim members), ring seqs that tied on (seq, rep) order (invariant 4;
// fixed: acceptance is strictly by seq), and, at seed 130305 of a 100,000
// seed sweep, a ring id reused after both nodes of a 2-node cluster lost
// their disks (nobody could remember it: the checker now keys ring ids by
// the proposer's disk generation, as the membership doc states). The final
// sweep, seeds 100001..200000 (sizes 1..16, every seed 200 ticks of faults),
// found no violation: 9.3 million view installations, worst time to a
// common view after the faults 14 ticks (bound 45), 35 minutes on two
// shared cores. After the fence wait began counting from the members'
// Quiet, seeds 2001..32000 (sizes 1..16) found no violation: 2.8 million
// view installations, worst time to a common view 13 ticks, 9 minutes.
//
// Vote changes in the sweep (every tenth seed) found five ways a node's
// quorum could end wrong, each fixed in core/membership and kept as a
// TestSweepRegressions seed: a heartbeat sent before a setexpected it had
// not applied yet (the daemon showed it as quorum 3 after setexpected(4),
// setexpected(3) and a node loss); the order of the infos in a view
// commit deciding the quorum of a node that adopts a quorate member's
// expected votes (seeds 2786, 5716); an ack older than a heartbeat already
// heard (9116); stamps kept across a peer's wiped restart (66); and two
// nodes changing different settings at once (18396). After those, seeds
// 2001..22000 found no violation (1.9 million view installations, 5
// minutes), and seeds 22001..122000 none either: 9.3 million view
// installations, worst time to a common view 13 ticks, 26 minutes on one
// core (GOMAXPROCS=1).
//
// # Auto mode
//
// AutoSim (auto.go) runs what gohad runs in auto mode, not a copy of it:
// per node a core/node/engine.Engine (core/membership's state machine, its
// Ready handling, the auto-mode controller and the write gate) and a
// hanet.Driver (core/ha's state machine and its Ready handling, with the
// gate checked when a write is admitted and again when it is
// acknowledged) over a real core/store store (bbolt with NoSync, in
// /dev/shm when there is one). The seams are the engine's Disk, Net and
// Clock, and the driver's Transport and Clock: a simulated disk that keeps
// what was persisted across crashes, the datagram network above for
// membership messages, and virtual HA connections (FIFO per connection,
// random delay, broken by partitions, cuts and crashes). Each node's
// clock drifts (up to 2%) and the gate reads it, so a lease that looks
// valid on a slow clock is what invariant 8 catches.
//
// Faults, chosen per tick of true time from the seed: crashes with or
// without the disk (a wiped node's store file is removed too), restarts,
// pauses (SIGSTOP: nothing runs, then the first pass catches up; the
// write gate still reads the clock), symmetric partitions into 2 or 3
// groups, one-way link cuts (which make bridge nodes, heard by both sides
// of a cut), heal, packet loss (3%), duplication (2%), delay and
// reordering, clock drift, whole-cluster restarts (each node back with
// probability 3/4), switchovers (to a named or any node) and writers (a
// client writes to the node it believes primary, or any node). Seeds
// vary the cluster: 3 data nodes; 2 and a witness (every third seed); 4
// (every fifth); async replication with max_lag 3 (every seventh).
//
// Checked after every step: invariant 8 (at no instant of simulated time
// do two nodes accept writes: Engine.Accepting, the gate on the node's
// clock; also whenever a node sends a membership message: a node that no
// longer acts as master must have closed its gate before its message,
// say the acknowledgement of a planned handover that lets the new master
// act without a fence wait, can leave: seed 2 caught the engine closing
// it only after the sends), invariant 9 (at every acknowledgement, with
// sync replication: the write is on at least min_sync secondaries that the
// newest record a quorum of nodes persisted lists in sync, the nodes an
// election may choose if the primary is lost for good (a node that went on
// to a newer epoch counts with the newest record of the primary's epoch
// it persisted: it accepted the newer epoch only from a base at least as
// new); and a node that
// starts accepting writes holds every
// commit acknowledged so far; with async replication it may lack at most
// max_lag of them, which are then counted lost), invariant 5 (one quorate
// CMM master), and after the faults that the cluster converges: a primary
// accepts a write with every data node in sync and every store equal,
// within 150 ticks. A run where every node that held the newest
// acknowledged commits was wiped ends with no possible primary; that is
// the design (an operator's ha force-primary is needed, accepting the
// loss) and is counted, not failed, and the acknowledged writes that no
// disk holds any more are dropped from invariant 9's list. The five cases
// of the fault campaign have named reproductions with 3 nodes in
// auto_cases_test.go (TestCaseStaleMasterThroughBridge,
// TestCaseWholeRestartLowestIDOlder, TestCaseWipedNodeElected,
// TestCaseStoppedPrimaryAcksAfterResume, TestCaseSyncAckWithoutSecondaries);
// cases found later have their own (TestCaseFirstAckThenPrimaryLost,
// TestCaseElectionCommitLostOldTermGoesOn, TestCaseHandoverCommitLost).
//
//	go test ./core/sim -run TestAutoSweep                   # 2,000 seeds (GOHA_AUTO_SEEDS)
//	go test ./core/sim -run TestAutoSweep -autoseeds 100000 -autofirst 2001 -timeout 10h
//	go test ./core/sim -run TestAutoSweep -autoseed 71 -v   # replay one seed, print its trace
//	go test ./core/sim -run TestCase -v                     # the named cases
//
// The default 2,000 seeds take 35-75 s of wall time on two cores shared
// with 100,000-seed sweeps and other test suites (about 25 s of CPU):
// 164,085 writes, 77,023 acknowledged, 6,470 crashes (847 with the disk),
// 2,907 switchovers; 37 seeds end with every holder of the newest commits
// wiped; 42 acknowledged writes were lost with all their copies; the worst
// convergence took 35 ticks. TestAutoRegressions replays seeds that big
// sweeps found (see below).
//
// Broken on purpose, each is caught by the default sweep (and restored;
// checked on the code of the 100,000-seed run below): promoting any data
// node, in sync or not (electAuto's candidate test always true), fails
// invariant 9 at seed 7 (and TestCaseWipedNodeElected); a primary that
// keeps accepting writes after losing quorum (the engine keeps the primary
// role without the CMM mastership, the gate open without the lease) fails
// invariant 9 at seed 2 (the stale primary accepts writes without those
// the new one acknowledged) and invariant 8 at seed 12 (and five of the
// named cases fail); a new primary that does not wait for the old lease
// (no fence wait in auto mode) fails invariant 8 at seed 44. Counting a
// secondary towards min_sync as soon as the primary published it in sync,
// before a quorum confirmed that record (as the engine did until the
// real-process test TestAutoRealNoSecondaryInSync found it: the primary
// SIGKILLed right after its first acknowledgement left the write on a
// secondary no election could choose), fails invariant 9 at seed 1 (and
// TestCaseFirstAckThenPrimaryLost). Without the gate check at
// acknowledgement (only at admission), TestCaseStoppedPrimaryAcksAfterResume
// fails invariant 8: a primary stopped with a write queued acknowledges it
// after SIGCONT, after another node was elected.
//
// Big sweeps. Seeds 2001..102000 on main at f149c36 (2,152 s on two
// shared cores) failed at 42 seeds, each fixed and kept in
// TestAutoRegressions: an election's commit that reached only its
// representative, after which the old term went on with the other members
// and the unconfirmed newer epoch won at the heal (invariant 9; seeds
// 50398, 57236, 82273; membership's promise, Raft's term rule,
// TestCaseElectionCommitLostOldTermGoesOn); a wiped primary restarted
// under its old incarnation number and elected again on the
// representative's stale report of its data (invariant 9; 2313, 4089 and
// others; membership's canLead); a wiped node's amnesia ignored because
// its rings restart from zero (invariant 9; 78581, 96826); the checker at
// acknowledgement forgetting records of the primary's epoch that a node
// confirmed before an election moved it to a newer epoch while the
// primary's lease ran (a checker error: the write was on that node, in
// the sync set the primary waited for; 6439 and six others); and, with
// two data nodes and a witness, a primary that kept believing its own
// last publication after a view brought back the witness's record of a
// wiped cluster with the same epoch (invariant 3, no convergence; 15396,
// 29436, 70056). On the final code all 42 pass.
//
// Seeds 2001..102000 again on 8495c4d (the fixes above; the simulator's
// code is unchanged since), 2,014 s at nice 10 on two cores shared with
// other suites: no violation of invariants 5, 8 or 9 in 100,000 seeds, and
// one seed that does not converge, 50289 (invariant 3; two data nodes and
// a witness: after a switchover, the representative kept retransmitting a
// proposal electing n2 with the txid n2 had before a copy took its store
// back by one unacknowledged commit, and n2 refused it by canLead, since
// 6d4568c). Fixed in membership's drive (a pending proposal whose
// primary's known txid went below the one it counted on is proposed
// again); with that fix, the 42 seeds above and 50289 pass, and the
// default sweep's figures are unchanged.
//
// Seeds 2001..102000 on 8f5cac5 (the final code of that round: the fix
// for 50289 and a behaviour-preserving split of electAuto), in two halves
// of 50,000 run side by side on an otherwise idle 2-core machine, 768 s of
// wall time and 583 s of CPU each: every seed passes (invariants 3, 5, 8
// and 9).
package sim
