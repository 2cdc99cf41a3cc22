package client

import (
	"github.com/goha/goha/core/wire"
)

// Result types, shared with the wire package.
type (
	Status          = wire.Status
	NodeStatus      = wire.NodeStatus
	QuorumStatus    = wire.QuorumStatus
	VQInfo          = wire.VQInfo
	CMMMember       = wire.CMMMember
	RingID          = wire.RingID
	SubscribeResult = wire.SubscribeResult
)

// Caller performs one request of the control protocol: Client and Conn.
type Caller interface {
	Call(op string, arg, res any) error
}

// Ops are the typed votequorum and CMM operations of the control protocol
// over any Caller. Client and Conn embed them, so c.Member(7) works on
// either.
type Ops struct{ Caller }

// Ping checks that the daemon answers.
func (o Ops) Ping() error { return o.Call(wire.OpPing, nil, nil) }

// Status returns the daemon's full view: node, ring, members, roles, quorum.
func (o Ops) Status() (*Status, error) {
	var s Status
	if err := o.Call(wire.OpStatus, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Subscribe replaces the tracked topics (wire.Topic* bits; 0 stops
// tracking) and queues a snapshot of the topics in snapshot ahead of any
// later change. For votequorum_trackstart: CHANGES or CURRENT ask for
// snapshot=TopicQuorum; CURRENT alone keeps topics unchanged.
func (o Ops) Subscribe(topics, snapshot uint32) (SubscribeResult, error) {
	var r SubscribeResult
	err := o.Call(wire.OpSubscribe, &wire.Subscribe{Topics: topics, Snapshot: snapshot}, &r)
	return r, err
}

// QuorumInfo returns votequorum_getinfo for node (0 = the local node).
// Unknown node: CodeNotExist.
func (o Ops) QuorumInfo(node uint32) (*VQInfo, error) {
	var v VQInfo
	if err := o.Call(wire.OpVQGetInfo, &wire.NodeArg{Node: node}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// SetExpected is votequorum_setexpected. Refused (CodeInvalid) below the
// total votes or when it would make a quorate cluster inquorate.
func (o Ops) SetExpected(n uint32) error {
	return o.Call(wire.OpVQSetExpected, &wire.SetExpectedArg{Expected: n}, nil)
}

// SetVotes is votequorum_setvotes (node 0 = the quorum device). Unknown
// node: CodeNameNotFound; quorum out of range: CodeInvalid.
func (o Ops) SetVotes(node, votes uint32) error {
	return o.Call(wire.OpVQSetVotes, &wire.SetVotesArg{Node: node, Votes: votes}, nil)
}

// QDeviceRegister registers the local quorum device name.
func (o Ops) QDeviceRegister(name string) error {
	return o.Call(wire.OpQDeviceRegister, &wire.QDeviceArg{Name: name}, nil)
}

// QDeviceUnregister unregisters the local quorum device.
func (o Ops) QDeviceUnregister(name string) error {
	return o.Call(wire.OpQDeviceUnreg, &wire.QDeviceArg{Name: name}, nil)
}

// QDeviceUpdate renames the quorum device.
func (o Ops) QDeviceUpdate(oldName, newName string) error {
	return o.Call(wire.OpQDeviceUpdate, &wire.QDeviceUpdateArg{Old: oldName, New: newName}, nil)
}

// QDevicePoll tells the daemon the device is alive and whether it casts its
// vote, for the ring id of the latest nodelist notification.
func (o Ops) QDevicePoll(name string, castVote bool, ring RingID) error {
	return o.Call(wire.OpQDevicePoll, &wire.QDevicePollArg{Name: name, CastVote: castVote, Ring: ring}, nil)
}

// QDeviceMasterWins sets or clears the device's master_wins flag.
func (o Ops) QDeviceMasterWins(name string, allow bool) error {
	return o.Call(wire.OpQDeviceMasterWin, &wire.QDeviceMasterWinsArg{Name: name, Allow: allow}, nil)
}

// NodeID returns the local node id (cmm_node_getid).
func (o Ops) NodeID() (uint32, error) {
	var a wire.NodeArg
	if err := o.Call(wire.OpCMMNodeID, nil, &a); err != nil {
		return 0, err
	}
	return a.Node, nil
}

// Member returns cmm_member_getinfo for node: CodeNotExist for an id not in
// the config, CodeNotMember for a configured node out of the cluster,
// CodeNoCluster when this node is in no cluster.
func (o Ops) Member(node uint32) (*CMMMember, error) {
	return o.member(node, false)
}

// PotentialMember returns cmm_potential_getinfo: any configured node,
// including those out of the cluster (CodeNotExist if not configured).
func (o Ops) PotentialMember(node uint32) (*CMMMember, error) {
	return o.member(node, true)
}

func (o Ops) member(node uint32, potential bool) (*CMMMember, error) {
	var m CMMMember
	if err := o.Call(wire.OpCMMMember, &wire.MemberArg{Node: node, Potential: potential}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Members returns the members of the cluster by node id (all=true: every
// configured node, out-of-cluster ones flagged CMMOutOfCluster).
// CodeNoCluster when this node is in no cluster and all is false.
func (o Ops) Members(all bool) ([]CMMMember, error) {
	var r wire.CMMMembers
	if err := o.Call(wire.OpCMMMembers, &wire.MembersArg{All: all}, &r); err != nil {
		return nil, err
	}
	return r.Members, nil
}

// Master returns the master's entry, CodeNoCluster if there is none.
func (o Ops) Master() (*CMMMember, error) {
	var m CMMMember
	if err := o.Call(wire.OpCMMMaster, nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ViceMaster returns the vice-master's entry, CodeNotExist if there is none
// (CodeNoCluster when this node is in no cluster).
func (o Ops) ViceMaster() (*CMMMember, error) {
	var m CMMMember
	if err := o.Call(wire.OpCMMViceMaster, nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ReleaseMastership is cmm_mastership_release: CodePerm unless this node is
// the master, CodeCanceled if no node can take over.
func (o Ops) ReleaseMastership() error { return o.Call(wire.OpCMMRelease, nil, nil) }

// RemoveSelf is cmm_membership_remove: the local node leaves the cluster
// until the daemon restarts. CodeCanceled on a master no one can replace.
func (o Ops) RemoveSelf() error { return o.Call(wire.OpCMMRemove, nil, nil) }

// SetQualification is cmm_member_setqualif (qualif is a wire.Qualif*
// value). CodePerm unless this node is the master; CodeInvalid for a
// non-eligible member or a bad level.
func (o Ops) SetQualification(node uint32, qualif int32) error {
	return o.Call(wire.OpCMMSetQualif, &wire.SetQualifArg{Node: node, Qualif: qualif}, nil)
}

// SeizeQualification is cmm_member_seizequalif: CodePerm while a master
// exists or when this node is not eligible.
func (o Ops) SeizeQualification() error { return o.Call(wire.OpCMMSeizeQualif, nil, nil) }

// ConfigReload is cmm_config_reload: the daemon re-reads its config file.
// CodePerm unless this node is the master.
func (o Ops) ConfigReload() error { return o.Call(wire.OpConfigReload, nil, nil) }

// Switchover hands the mastership (in auto mode the HA primary role) to
// node (a config name; "" for the best candidate) as a two-phase handover;
// it may be called on any member (the master is asked). It returns once
// asked: the new roles show in Status. CodeNoCluster without a master,
// CodeCanceled when the node (or nobody) can take over, CodeNotExist for an
// unknown name.
func (o Ops) Switchover(node string) error {
	return o.Call(wire.OpHASwitchover, &wire.SwitchoverArg{Node: node}, nil)
}

// ForcePrimary is auto mode's operator override: node becomes the next
// primary although no node known to hold every acknowledged commit can be
// elected; allowDataLoss must be true (CodeInvalid otherwise).
// CodeNotSupported in external mode, CodePerm while a master is elected.
func (o Ops) ForcePrimary(node string, allowDataLoss bool) error {
	return o.Call(wire.OpHAForcePrimary, &wire.ForcePrimaryArg{Node: node, AllowDataLoss: allowDataLoss}, nil)
}
