// Package membership is goha's cluster membership state machine: failure
// detection from heartbeats, agreed views with ring ids, incarnations,
// votequorum quorum (arithmetic from package quorum) and the CMM
// master/vice-master roles. It is a pure value in the style of etcd-io/raft's
// RawNode: Tick, Step and Ready/Advance, with no goroutines, clocks, sockets
// or randomness of its own. core/sim runs it under a virtual clock and
// network with faults and checks the invariants below after every step.
//
// # The daemon loop
//
// The daemon (core/node) owns one Node and a tick timer:
//
//  1. At start, read the PersistentState from disk (the zero value if there
//     is none) and call New. The first Ready carries a bumped incarnation.
//  2. On every pass of the loop (a tick of the timer, datagrams waiting)
//     call StepBatch with the node's clock (ticks since New) and every
//     datagram that authenticated and decoded since the last pass, each
//     stamped with the tick at which the reader took it off the socket.
//     StepBatch runs the ticks that fell due before each message, then the
//     message, in order of arrival, then the ticks up to now: after a stall
//     (the process was stopped, the machine suspended or starved) leases
//     and timeouts expire in time, and peers are judged by when their
//     messages arrived, not by when the loop got round to them. It skips a
//     heartbeat that a newer one of the same sender in the batch makes
//     redundant, so a late pass costs O(peers), not O(backlog). (Tick and
//     Step are the single-input forms, for tests and tools.)
//  3. The errors StepBatch reports are informational (stale, foreign or
//     malformed input is ignored); log them at debug level.
//  4. On an administrative request (votequorum setexpected, setvotes,
//     qdevice_*; cmm setqualif, seizequalif, mastership_release,
//     membership_remove; shutdown) call the matching method and return its
//     error to the client (sentinel errors map to CS_ERR_* / CMM_E*).
//  5. While HasReady: take rd := Ready(); if rd.Persist != nil write it
//     durably (fsync); then send rd.Messages (UDP, best effort); then
//     deliver rd.Events to local clients in order; then Advance(rd).
//  6. Answer queries from Status and GetInfo at any time.
//  7. On SIGTERM call Leave, do step 5 once more, and exit.
//
// # Messages
//
// Every node sends a MsgHeartbeat to every other configured node each
// HeartbeatTicks. It carries the sender's incarnation, the ring it last
// accepted (Ring, with FlagPending while that ring is only acknowledged, and
// then Prev, the ring accepted before it), the set of nodes it hears and the
// members of its view (bitmaps over the sorted node list: 8 bytes for up to
// 64 nodes), its votequorum node info (votes, expected votes, flags), its
// CMM flags (qualified, synchronised, was-master, master, vice), its tick
// counter Now and Echo, the last Now it received from the destination.
// A heartbeat of a 16-node cluster is about 40 bytes of msgpack.
//
// Views are agreed with three more messages: MsgPropose (representative to
// each proposed member: ring, members with incarnations, CMM roles), MsgAck
// (member to representative: its node info, flags, and Prev) and MsgCommit
// (representative to members: the view with every member's node info and
// the NoFence flag). MsgStale tells an old incarnation of a node that it
// has been superseded (a node that lost its disk takes a new incarnation
// from it); MsgRequest carries administrative requests; MsgLeave announces
// a clean departure and replaces the heartbeats of a node that left.
//
// # Failure detection
//
// A node is heard when a message of its newest known incarnation arrived
// within the last FailureTicks and it did not announce its departure. A
// message from an older incarnation is ignored (and answered with
// MsgStale); a message from a newer incarnation replaces everything known
// about the node: a restarted node is a new member, so the next view shows
// it leaving and joining, even when it restarted faster than FailureTicks.
// Peers drop a node that sent MsgLeave at once.
//
// # Local health: a starved node does not suspect others
//
// A node whose own loop runs late (memberlist's Lifeguard calls this local
// health) is probably on an overloaded or stalled machine. Two rules keep
// it from blaming its peers:
//
//   - Arrival stamps: a message counts as heard at the tick it arrived, not
//     when the loop handled it (StepBatch), so a slow loop does not let
//     peers go silent. The stamp is taken by the daemon's reader, after
//     the datagram arrived, never before: a late stamp only shortens Quiet
//     and lengthens a fence wait (see Invariant 5).
//   - Blind time: a pass whose ticks are overdue by more than a heartbeat
//     interval follows a stall of the loop. The stalled ticks do not count
//     as silence of the peers last heard before the stall (at most
//     FailureTicks of them per peer: a node that stalls again and again
//     still suspects a dead peer within 2F of its own running time).
//   - Health penalty: a late pass (ticks overdue, or input that waited, by
//     a heartbeat interval or more) raises a penalty by one, up to
//     MaxHealthPenalty (4); every FailureTicks without a late pass lowers
//     it by one. Each point lets a peer stay silent for half a failure
//     timeout more before it is suspected: when the local node is starved,
//     its peers, on the same machine or network, probably are too.
//
// None of this touches safety: the lease and the fence wait count the
// master's own ticks (echoes) and Quiet counts from arrival stamps, not
// from heard(). It delays the detection of a dead peer while the local
// node is unhealthy (by at most F for blind time plus 2F for the penalty),
// and the liveness bound below holds from the moment the penalty is back
// to 0 (at most 4F after the last late pass).
//
// # Choosing the members (who hears whom)
//
// Each node keeps the last hears-set of every node it hears, which gives it
// rows of the cluster's "who hears whom" matrix (xHA's statefile idea, over
// the network). Two nodes are connected when each hears the other. A view
// must be a clique of that graph: every member hears every other member, so
// any member's failure is seen by all. A node computes the group it wants:
//
//  1. Candidates are itself and the nodes it hears that hear it.
//  2. Rank the candidates by their number of connections among all nodes
//     whose rows it knows (descending), then by id; add each in turn to the
//     clique if it is connected to everyone already in it. If the clique
//     leaves the local node out, remove the clique's nodes and repeat.
//  3. Some nodes are taken by another group, then removed and the clique
//     recomputed: (a) when the representative (lowest id) of the group we
//     want has heard us for the settle time (3H+4D+2 ticks) and its
//     installed view still leaves us out, that view's members; (b) when
//     members of our own view installed a newer view without us, that
//     view's members; (c) when we would represent the group but some of its
//     members installed a view without us under a lower-id representative,
//     that view's members. Only lower ids claim in (c), so two groups never
//     wait for each other.
//
// So with a one-way fault (A hears B, B does not hear A) exactly one of A
// and B stays with the others: the one with fewer connections is excluded;
// on a tie, the one with the higher node id. The excluded node sees the
// group's view leave it out, forms a view with whoever remains (possibly
// alone), and the views stay put for as long as the fault lasts (core/sim's
// TestOneWayNoFlapping checks that, and that every view is a clique).
//
// # Agreeing on views
//
// A node whose wanted group has itself as representative and differs from
// its installed view (members, incarnations or roles) proposes it with ring
// (self, seq), seq = 1 + the highest sequence number it has seen anywhere
// (persisted before the proposal is sent). A member acknowledges a proposal
// if it names the member's current incarnation, its seq is higher than
// anything the member accepted (persisted before the ack is sent), its
// representative is the one of the group the member wants, and as far as the
// member knows every two members hear each other with the incarnations
// proposed. (The representative decides the exact members: a member with
// less information may see the group a little differently.) The
// representative retransmits to silent members every HeartbeatTicks, and
// proposes again with a higher seq when a member reports a ring at least as
// new. When every member acknowledged, it sends MsgCommit and installs;
// members install on the commit of the ring they accepted last. A member
// whose heartbeats show it still waits for the commit gets it again. A
// member that accepted waits H+4D+2 ticks for the commit before it proposes
// anything itself. At startup a node waits FailureTicks (or until it hears
// every configured node) before its first proposal, so a cluster starting
// together forms one view, and a representative waits H+2D+1 ticks for a
// node it just started to hear, so a restart gives one view change. A member
// of our view that reports a ring older than the view (it restarted without
// its disk and reused its incarnation) is told, with MsgStale, to take a
// new incarnation.
//
// # Quorum
//
// Quorum is votequorum's, computed by package quorum on each node from the
// node infos carried by the commit (sync_init, node info of each member,
// quorate members first, then one recalculation for the whole batch, so
// that every member reaches the same quorum whatever order votequorum would
// have delivered the infos in) and, between views, from heartbeats whose node info changed
// (as votequorum's node-info messages). last_man_standing runs its window in
// ticks (LMSWindowTicks). Qdevice calls act on the local node; a registered
// device whose polls stop loses its vote after QDeviceTimeoutTicks. Events:
// EXPECTED before QUORUM; QUORUM at every view installation and whenever the
// quorate state flips.
//
// # Votequorum administration
//
// setexpected and setvotes are validated on the calling node, applied there,
// and sent to every member of the view (repeated on the next two
// heartbeats); each member applies them on receipt. Corosync orders these
// changes with every other votequorum message (totem); here heartbeats and
// acks carry node infos that are not ordered with them, and quorum never
// decreases on node info, so one stale message could undo a change for
// good: after setexpected(4) then setexpected(3), a heartbeat a member sent
// between the two still says 4, and taking it would leave quorum at 3 with
// 3 expected votes. Hence admin stamps:
//   - each change carries a Lamport stamp (sequence in the high 32 bits,
//     the caller's node id in the low ones); every message carries the
//     stamp of the newest change its sender applied (Admin; a commit
//     carries each member's, MemberAdmin);
//   - applying a change raises every other member's need to its stamp; a
//     member's votes and expected votes, from a heartbeat, leave or commit,
//     count only if that message's Admin reaches the member's need (a
//     commit can carry an ack older than a heartbeat already heard).
//     Otherwise the local record, which the change itself set, stands. A
//     node left out of a view has its need cleared: it joins again with its
//     info in the commit, as a joining node does in votequorum;
//   - a member whose Admin stays below its need is sent the missing changes
//     again (at most once a heartbeat, from a log of the last 16), so a
//     change lost with its repetitions still arrives, from any member that
//     has it;
//   - each setting (expected votes, each node's votes) remembers the stamp
//     of the change that set it last, and a change that is not newer is
//     ignored: a repetition, or overtaken by a newer change of the same
//     setting, so concurrent changes of one setting from two nodes end with
//     the newer stamp everywhere, and changes of different settings are
//     all applied, in any order. What is not covered: a node that lost a
//     change and all its repetitions, and meanwhile applied a newer change
//     of another setting, is not sent the lost one again (its Admin
//     already reaches its need).
//
// A restarted node (new incarnation) starts with no stamps and its info
// counts at once, as a node that joins a corosync ring sends its own; the
// core/sim sweep makes setexpected and setvotes calls among its faults and
// checks, once the cluster has settled, that the nodes' records of each
// other agree with the nodes' own and that no quorum is below votequorum's;
// without crashes and partitions (TestVoteAdminExact) every node must have
// exactly votequorum's quorum.
//
// # CMM roles
//
// The representative chooses the master and vice-master of each proposed
// view with ElectRoles, where the previous roles are the published ones,
// else those of the installed view (a master that does not act for a
// moment, because its lease lapsed under load or it waits for its fence,
// keeps the role: a moment without a master must not move the mastership),
// else, in a merge, those the members claim (keep the master while it is a qualified member; else
// the vice-master if qualified and synchronised; else the lowest-id eligible,
// qualified node that is synchronised or was master last; the vice-master is
// the previous vice-master, else the previous master, else the lowest-id
// eligible, qualified node). A change of qualification or synchronisation
// (carried by heartbeats) or a release request makes the representative
// propose the same members with new roles, under a new ring id: every role
// change is an agreed view change. A view without quorum publishes no roles.
//
// cmm_mastership_release is a two-phase handover: the master asks the
// representative, which proposes the same members with the vice-master as
// master (phase 1: every member, the old master included, accepts); the old
// master stops acting as master the moment it accepts a view naming another
// master, and the new master acts once the view is committed (phase 2). So
// there is no instant with two masters, and if the proposal fails the old
// master simply stays master.
//
// CMM notifications are the difference between successive published states
// (members with incarnations, master, vice), emitted in the order of
// cmm.md 3.3/3.4: MASTER_DEMOTED(A) [MEMBER_LEFT(A)], VICEMASTER_DEMOTED(B)
// [MEMBER_LEFT(B)], other MEMBER_LEFTs, MEMBER_JOINEDs, MASTER_ELECTED,
// VICEMASTER_ELECTED. A promoted vice-master gets VICEMASTER_DEMOTED before
// MASTER_ELECTED (cmm.md's proposal for libgoha). The first view of a node
// reports every member joined. SFlag bits per node are in Status.
// CMM_STALE_CLUSTER and CMM_INVALID_CLUSTER are never produced: a member
// that does not hear the master for FailureTicks leaves its view (so data
// is never stale for long), and invariant 5 rules out two masters.
//
// # Automatic mode
//
// With Config.Auto (gohad's [ha] mode = "auto", core/node/engine) the CMM
// master is the config store's HA primary, so the election must use data:
// only a node that holds every acknowledged commit may become master. The
// state that says who does is a Record: (Epoch, Seq, Primary, Txid, Sync),
// ordered by (Epoch, Seq). Epoch is the primary term, Sync the secondaries
// published in sync with the primary (it waits for their acknowledgement
// of every commit before acknowledging it to the client; the HA side is
// core/ha's auto mode). Every node persists the newest record it
// confirmed (PersistentState.Rec); heartbeats carry it, with what the
// node's store holds (DataEpoch, DataTxid).
//
// A record is confirmed by a node in two ways only: (1) it installs a
// quorate view whose commit carries it (views carry the record they were
// proposed with); (2) the acting master of its installed quorate view
// publishes a new Sync in the same epoch (PublishSync, Seq+1), which the
// members take from its heartbeats. The master learns from the members'
// heartbeats which Seq they confirmed (Confirmed): a quorum has it.
//
// Election. The representative takes as base the newest record among the
// proposed members (its own and their heartbeats'). The candidates are the
// eligible, qualified data nodes (not witnesses) that base says hold every
// acknowledged commit (base.Primary or in base.Sync) and whose store is of
// base's epoch (a wiped node is not, whatever the record says). Among
// them: the target of a release; the acting master if it is base.Primary;
// base.Primary; the vice-master; else the one with the highest txid, then
// the lowest id. A master other than base.Primary starts a new epoch:
// Record{Epoch: base.Epoch+1, Primary: master, Sync: none}; its
// secondaries join it and it publishes them as they catch up. The
// vice-master is a member in the record's Sync. With no record at all
// (nobody was ever primary in auto mode) every configured data node must
// be in the view, and the one with the highest txid is elected (a new
// cluster: all at txid 0, the lowest id). With no candidate there is no
// master, and the cluster stays without a primary (read-only) until a node
// that holds everything comes back or an operator forces one (ForcePrimary,
// gohactl ha force-primary NODE --allow-data-loss: the node takes a record
// two epochs above any it has heard, which makes it the newest recorded
// primary; commits that only the missing nodes held are lost).
//
// Prev. A record of a new epoch (Seq 0) also lists the nodes that held
// every acknowledged commit of the previous epoch (its primary and sync
// set). While the new epoch has published nothing (Seq still 0) they
// still hold everything if its primary is a member (it accepts the view
// only if it has nothing newer, and stops acting then) and either a
// primary needs a published secondary before it takes a write (min_sync
// >= 1) or the new primary never took office (its store is not of the new
// epoch yet). They are candidates then, with the new epoch's primary: a
// primary elected but gone before it published a secondary does not make
// the cluster wait for it.
//
// Amnesia. A node whose data directory was wiped lost the records it had
// confirmed, so it cannot stand for the quorum that confirmed them: two
// wiped nodes of a confirming quorum, or a wiped node and a node left
// behind, would otherwise let a view elect from an older record. Such a
// node starts amnesiac (PersistentState.Amnesiac, FlagAmnesiac in its
// heartbeats) and stays so until it holds a record it can vouch for: one
// installed with a vouched view, one its acting master published, or
// data synced from a primary. An election proceeds only if the members
// that are not amnesiac meet every quorate set of the cluster, or every
// configured node is a member, or (for the representative of the view it
// installed with a vouched record) they are members of that view; the
// proposal is vouched (FlagVouched) when that holds, or for the first
// election of a new cluster. Without it there is no master until enough
// nodes that kept their state are back. A wiped node's store is of no
// epoch (DataEpoch 0), so it is never a candidate until it synced again.
// A wiped node also lost its incarnation number and restarts its rings
// from zero: until a MsgStale bumps its incarnation, its heartbeats look
// like stale ones of its previous life, but their FlagAmnesiac is taken
// all the same (auto sweep seeds 78581, 96826).
//
// A proposal carries its record and the base it derives from (BaseEpoch,
// BaseSeq); a member whose confirmed record is newer than the base refuses
// it (its heartbeats make the representative propose again). A record of
// a new epoch becomes confirmed only in a quorate view, and a new master
// counts a member's lease support only once the member reports its epoch
// (supports restart at a new epoch, even in a handover without fence), so
// it acts, and accepts writes, only once a quorum confirmed its epoch.
//
// Promise. A commit may reach only some members of a view (the link to the
// others fails after their acks): a record of a new epoch can then be
// confirmed by the representative alone, while the members that accepted
// the proposal but never installed it go on with the old epoch in another
// quorate view; after a heal the unconfirmed newer epoch was the newest
// record, and its primary was elected without the commits the old epoch
// acknowledged meanwhile (sweep seeds 50398, 57236, 82273). So a member
// that accepts a proposal naming a master persists, before its ack, the
// proposal's epoch and primary as its promise (PersistentState
// .PromiseEpoch, PromisePrimary; at least its confirmed record's), and
// reports it in heartbeats and acks. It refuses a proposal naming a master
// whose record is of an older epoch, or of the promised epoch with another
// primary, and confirms no published record of such an epoch. The
// representative that sees a member's promise above the record it would
// propose (even when the master goes on as base's primary) proposes a new
// epoch above every promise of the members, with base's holders as Prev.
// This is Raft's term rule: a node that voted in a term takes no part in
// an older one.
//
// Why only a node that holds every acknowledged commit is elected: the
// primary acknowledges a commit only when every node of Sync(R_j) has it,
// for every record R_j it published from the newest one a quorum confirmed
// (R_j0) on (it waits for a node before it publishes it, and stops waiting
// for a removed node only once the record without it is confirmed: the
// order of Patroni's /sync key). Any later quorate view V shares a node w
// with that quorum (quorate sets intersect; auto mode refuses the quorum
// options that break this); w confirmed R_j0 or newer before it accepts
// V's proposal, so V's base is R_j0 or newer. A base of the same epoch is
// some R_j, j >= j0, and each of its nodes holds the commit (it was waited
// for when the commit was acknowledged, or it caught up with everything
// before it was published). A base of a newer epoch E was made by an
// election whose proposal a quorum accepted, each member promising E: one
// of them is in R_j0's quorum, and it confirmed R_j0 before its promise
// (after it, it confirms nothing older than E), so that election's base
// was R_j0 or newer and, by the same argument, it chose a node holding the
// commit, and its records descend from it. A minority's view is not
// quorate, so the records it proposes are never confirmed.
//
// The synchronisation flag: in auto mode a node's SFlag SYNCHRO_NEEDED is
// clear exactly when the confirmed record lists it in Sync (the primary:
// when some secondary is in sync, otherwise it holds the only up-to-date
// copy, as in CMM). In both modes a new or wiped data directory starts
// not synchronised (PersistentState), and becomes synchronised when it
// synced from a primary (SetSynchronized, called by the daemon), or when
// the whole cluster is new: it hears every configured data node and each
// reports FlagFresh (an empty store that never belonged to an epoch, and
// no record).
//
// # Invariant 5: leases and fencing
//
// A node acts as master (Status.IsMaster) only while all of these hold: its
// installed view names it master and is quorate; it has not accepted a
// proposal naming another master; the view's fence wait is over; and its
// lease is valid. The lease: a member supports the master when its heartbeat
// reports the master's installed ring (or the ring the master accepted next,
// reached straight from it: Prev) and hears the master; such a heartbeat
// carries Echo e, a tick of the master's own clock that it had received,
// so the support was sent after the master's tick e. The lease is valid at
// tick t while the members that supported with t - e < L (L = LeaseTicks =
// FailureTicks + HeartbeatTicks), with the master, would be quorate on their
// own (the same quorum arithmetic, restricted to them).
//
// A newly installed view whose master is new waits a fence before anyone
// publishes its roles. With W = FenceTicks = ceil(L(1+ρ)/(1-ρ)) + 2 (ρ =
// MaxDriftPPM/10⁶), the wait is W - Q ticks, at least 0, where Q (carried
// by the commit) is the least Quiet of the members' acknowledgements. A
// member's Quiet is the number of its ticks from the last time it heard any
// node that the proposal leaves out (or names with another incarnation) to
// its acceptance, capped at W; a node it never heard counts from its own
// start (tick 0), since its previous incarnation may have echoed that node
// until it stopped; a node that announced its departure (MsgLeave) does not
// count, since it stopped acting before it said so. So after a crash the
// members have not heard the old master for about FailureTicks when they
// accept, and the new master waits about W - F ≈ H + 3 ticks instead of W;
// after a clean Leave of the master, or when every configured node is a
// member, it waits nothing. The view skips the wait altogether
// (Commit.NoFence) when every member accepted it straight from the
// representative's installed view and that view's master, still acting
// when it accepted, is a member: it either goes on or handed over when it
// accepted.
//
// Why at most one quorate master: let X act as master at true time T in
// view V_X and Y be elected in a view V_Y with a higher ring seq, installed
// with a fence wait. If X is a member of V_Y it stopped acting when it
// accepted V_Y, before V_Y was installed (and it installs nothing older
// afterwards). Otherwise X's lease at T rests on supporters S, with S plus
// X quorate; V_Y is quorate; two quorate sets of the same expected votes
// intersect, so some w in S is in V_Y. Every support of w that X counts
// reports V_X's ring (or the ring X accepted straight from it), so w sent it
// before it accepted V_Y at its tick a_w (a node's accepted seqs only grow
// and it reports the newest); from then on w reports V_Y's ring or a newer
// one, which X, not a member, cannot count. The support echoed X's tick e,
// the newest tick of X that w had received when it sent it, so X's tick e
// came before w last heard X, at w's tick h ≤ a_w - Quiet_w (before w
// started, if its incarnation never heard X's: then Quiet_w ≤ a_w). X
// stops acting when its clock reaches e + L, at most L/(1-ρ) after e in
// true time, hence before true(w's tick h+1) + L/(1-ρ) ≤ I - (Quiet_w -
// 1)/(1+ρ) + L/(1-ρ), where I > a_w is V_Y's installation. Y acts no
// earlier than W - Q ticks of its clock after I, i.e. after I + (W - Q -
// 1)/(1+ρ) in true time (one tick for the phase of its clock), and since Q
// ≤ Quiet_w, (W - Q - 1 + Quiet_w - 1)/(1+ρ) ≥ (W-2)/(1+ρ) ≥ L/(1-ρ): X
// stopped before Y acts. With Q = 0 this is the full fence W counted from
// the installation. The NoFence cases need no wait: every member came
// straight from the view in which the old master acted, and the old master
// stopped (handover) or is the new master. Message delay does not enter the
// bound: the echo dates the support by the master's own clock, and Quiet
// dates it by the supporter's. A paused process keeps its clock (the
// daemon catches up on ticks first, step 2), so a pause cannot extend a
// lease, and a paused member's Quiet still counts from the last tick of
// the old master it actually received.
//
// The lease itself stays L = F + H: a healthy master's freshest support is
// at most a heartbeat round trip old (2H + 2D < F), and the extra H lets it
// survive a lost heartbeat; a shorter lease would not shorten the wait
// after a crash much (the wait is about L - F + 3 ticks) but would demote
// a healthy master on a single loss.
//
// The argument needs quorate sets to intersect, which votequorum's
// two_node (and setexpected below half, and the quorum device's
// master_wins) deliberately give up: two_node relies on fencing, and the
// simulator exempts it. The Quiet rule does not make those cases worse: it
// only shortens the wait by how long the members have provably not fed the
// old master's lease, and a quorum that does not intersect was never
// fenced by the wait anyway. auto_tie_breaker does not keep intersection
// either: an exact half is quorate when it holds the tie-breaker, and with
// lowest/highest each node latches that id while it was last quorate, so
// two halves that were quorate apart (each with a quorum of the nodes then
// alive) can each hold their own latched id, both quorate (votequorum
// latches the same way). core/sim found this at 32 nodes (seed 558 of
// -nodes 32: each half quorate as an exact half with its own tie-breaker);
// a fence wait counted from the installation only narrows that window
// (seeds 1..1500 of -nodes 32 did not hit it), it cannot close it.
// last_man_standing lowers expected votes step by step, so two quorate sets
// computed with different expected votes need not intersect; corosync has
// the same limit, and the simulator does not run it.
//
// # The invariants (DESIGN.md), and why they hold
//
//  1. Agreement: only node R proposes rings (R, s); it persists s before
//     sending and never reuses it, and a commit carries the proposal's
//     members, so every node installing (R, s) installs the same list. (A node
//     that loses its disk may reuse its own ring ids if nobody tells it the
//     newer ones first: persist RingSeq.)
//  2. Integrity: a view is installed only after every proposed member, in
//     the proposed incarnation, acknowledged it after it was proposed; a
//     crashed incarnation cannot acknowledge, and a restarted one refuses a
//     proposal naming its old incarnation.
//  3. Liveness: once faults stop, every running node installs one common
//     view within B = F + 8H + 12D + 7 ticks, scaled by (1+ρ)/(1-ρ) for
//     drift (F = FailureTicks, H = HeartbeatTicks, D = MaxDelayTicks): F for
//     silent nodes to be suspected; H + D for every node to be heard and
//     H + D more for the hears-sets to spread; H + 2D + 1 for a node that
//     just started to hear us; up to H + 4D + 2 for a pending acceptance to
//     be committed or abandoned; 3D + H for the proposal, its acks, the
//     commit and one outbidding round; and the settle time 3H + 4D + 2 of a
//     node left out by a stale view. The bound does not depend on N.
//     core/sim checks it after every fault scenario.
//  4. Ring sequence numbers only increase: a node accepts only a seq above
//     everything it accepted before, persisted as RingSeq before its ack;
//     installing needs acceptance, so installed seqs increase strictly on
//     every node, across restarts with the disk.
//  5. Split-brain safety: see above.
//  6. Quorum arithmetic: package quorum reproduces votequorum (its table
//     tests); this package feeds it the agreed members and node infos.
//
// # Cost per node
//
// A heartbeat carries two bitmaps of ceil(N/64) words and a few small
// integers (about 40 bytes, plus the datagram's 28-byte header and its
// 32-byte MAC or 16-byte tag: core/wire); proposals and commits carry the
// member list. Every node sends N-1 heartbeats per HeartbeatTicks and
// nothing else in steady state, so a cluster exchanges N(N-1)/H datagrams
// per tick. That count stays: each member must hear each other one
// directly within FailureTicks (a view is a clique of two-way links, and a
// missing link must show within the failure timeout), and sending fewer
// than one heartbeat per H would leave fewer than F/H chances per failure
// timeout for a datagram to arrive. What a datagram costs is what was cut,
// at 64 nodes from about 70 µs of CPU per datagram handled to about 20:
//
//   - encoding: core/wire appends the message and seals the datagram in one
//     buffer without allocating (it was msgpack by reflection, twice, about
//     5 µs and 25 allocations to send, 3.4 µs and 14 to receive;
//     BenchmarkPeer: under 1 µs and 0 to 3 allocations);
//   - per pass, not per datagram: the daemon handles everything that
//     arrived in one StepBatch, heartbeats superseded by a newer one of the
//     same sender skipped, and publishes after the pass from O(N) accessors
//     (View, SFlags, Infos) rather than an O(N²) Status;
//   - per tick, not per datagram: while the node is Steady the daemon reads
//     its socket at its passes, so the process wakes once a tick (H/10)
//     rather than once per datagram, outside Go's network poller; in the
//     steady state computeDesired checks in O(N) that the installed view is
//     still the clique instead of rebuilding it in O(N²).
package membership
