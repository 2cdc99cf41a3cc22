package membership

import "github.com/goha/goha/core/quorum"

// Node is the membership state machine of one cluster node. It is not safe
// for concurrent use: the daemon calls it from one goroutine.
type Node struct {
	cfg Config
}

// New returns the state machine of cfg.Self, restored from the persistent
// state the node last wrote (the zero value for a first start or a lost
// disk). It bumps the incarnation; the first Ready carries the new
// PersistentState, which must be written before anything is sent.
func New(cfg Config, restored PersistentState) (*Node, error) {
	return &Node{cfg: cfg}, nil
}

// Tick advances the node's clock by one tick. After a stall the daemon must
// call Tick once for every tick period that elapsed before it calls Step
// again, so that leases expire on time.
func (n *Node) Tick() {}

// Step feeds one message from the network. Stale, foreign or malformed
// messages are ignored and reported with ErrStale, ErrForeign or
// ErrMalformed (wrapped); Step never panics on bad input.
func (n *Node) Step(m Message) error { return nil }

// HasReady reports whether Ready would return anything.
func (n *Node) HasReady() bool { return false }

// Ready returns the pending output. Handle it as the Ready doc says, then
// call Advance.
func (n *Node) Ready() Ready { return Ready{} }

// Advance acknowledges that rd (the last Ready) was handled.
func (n *Node) Advance(rd Ready) {}

// Status returns a snapshot of the local node.
func (n *Node) Status() Status { return Status{} }

// GetInfo answers votequorum_getinfo(id); id 0 is the local node.
func (n *Node) GetInfo(id uint32) (quorum.Info, error) { return quorum.Info{}, nil }

// SetExpected is votequorum_setexpected: validated locally, then applied by
// every member of the view.
func (n *Node) SetExpected(expected uint32) error { return nil }

// SetVotes is votequorum_setvotes(node, votes); node 0 is the quorum device.
func (n *Node) SetVotes(node NodeID, votes uint32) error { return nil }

// QDeviceRegister is votequorum_qdevice_register on the local node.
func (n *Node) QDeviceRegister(name string) error { return nil }

// QDeviceUnregister is votequorum_qdevice_unregister on the local node.
func (n *Node) QDeviceUnregister(name string) error { return nil }

// QDeviceUpdate is votequorum_qdevice_update (rename).
func (n *Node) QDeviceUpdate(oldName, newName string) error { return nil }

// QDevicePoll is votequorum_qdevice_poll: the device is alive and casts
// castVote until QDeviceTimeoutTicks pass without another poll. ring must
// be the current ring id (else quorum.ErrRingMismatch).
func (n *Node) QDevicePoll(name string, castVote bool, ring RingID) error { return nil }

// QDeviceMasterWins is votequorum_qdevice_master_wins.
func (n *Node) QDeviceMasterWins(name string, allow bool) error { return nil }

// ReleaseMastership is cmm_mastership_release: a planned switchover to the
// vice-master (or the best other candidate). The local node stays master
// until the new master is agreed. ErrNotMaster when not master,
// ErrNoCandidate when nobody can take over.
func (n *Node) ReleaseMastership() error { return nil }

// RemoveSelf is cmm_membership_remove: the local node leaves the cluster
// (peers drop it at once) and stays out until it restarts. On the master it
// fails with ErrNoCandidate when nobody can take over.
func (n *Node) RemoveSelf() error { return nil }

// SetQualification is cmm_member_setqualif (master only): qualify or
// disqualify an eligible node. It returns before the change is applied.
func (n *Node) SetQualification(node NodeID, qualified bool) error { return nil }

// SeizeQualification is cmm_member_seizequalif: qualify the local
// eligible node when no master is elected.
func (n *Node) SeizeQualification() error { return nil }

// SetSynchronized sets the local node's synchronisation flag (CRFS:
// CMM_SYNCHRO_READY / CMM_SYNCHRO_NEEDED).
func (n *Node) SetSynchronized(synced bool) error { return nil }

// Leave announces a clean shutdown: peers drop the node at once instead of
// after FailureTicks. Send the resulting Ready before exiting.
func (n *Node) Leave() {}
