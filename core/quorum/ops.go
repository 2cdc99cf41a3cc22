package quorum

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Settings are the quorum options as configured, before corosync's
// compatibility rules are applied (see Setup).
type Settings struct {
	// ExpectedVotes overrides the sum of the configured node votes when
	// non-zero (quorum.expected_votes).
	ExpectedVotes uint32
	TwoNode       bool
	WaitForAll    bool
	// WaitForAllSet tells whether wait_for_all was written in the
	// configuration; when it was not, two_node switches it on.
	WaitForAllSet   bool
	LastManStanding bool
	AutoTieBreaker  ATBMode // ATBNone: off
	ATBNodes        []uint32
	AllowDownscale  bool
	// QDevice is set when a quorum device is configured (quorum.device);
	// QDeviceVotes is its vote count and QDeviceVotesSet whether that count
	// was configured (otherwise it is derived as corosync does).
	QDevice         bool
	QDeviceVotes    uint32
	QDeviceVotesSet bool
}

// ConfigNode is one configured node as Setup needs it.
type ConfigNode struct {
	ID    uint32
	Votes uint32
}

// Setup reproduces votequorum's start-up: it applies the configuration
// rules (fatal combinations are returned as errors wrapping ErrConfig;
// combinations corosync repairs with a critical log line are repaired the
// same way and described in warnings) and returns the initial Input of the
// local node: only Self is a member, with its configured votes and the
// expected votes of the whole configuration, and quorum computed once.
func Setup(s Settings, nodes []ConfigNode, self uint32) (Input, []string, error) {
	var selfVotes uint32
	var sum uint64
	found := false
	for _, n := range nodes {
		sum += uint64(n.Votes)
		if n.ID == self {
			selfVotes, found = n.Votes, true
		}
	}
	if !found {
		return Input{}, nil, fmt.Errorf("%w: node %d is not in the node list", ErrConfig, self)
	}
	if sum > math.MaxUint32/2 { // leaves room for a device with as many votes
		return Input{}, nil, fmt.Errorf("%w: the nodes have %d votes in all, more than %d", ErrConfig, sum, uint32(math.MaxUint32/2))
	}
	nodeExpected := uint32(sum)
	if s.TwoNode && s.QDevice {
		return Input{}, nil, fmt.Errorf("%w: two_node and a quorum device cannot be configured at the same time", ErrConfig)
	}
	opts, warnings, err := setupOptions(s, nodeExpected)
	if err != nil {
		return Input{}, nil, err
	}
	var qd QDevice
	if s.QDevice {
		if err := checkQDevice(s, opts, nodeExpected, len(nodes)); err != nil {
			return Input{}, nil, err
		}
		if s.QDeviceVotesSet {
			qd.Votes = s.QDeviceVotes
		} else {
			qd.Votes = nodeExpected - 1
			nodeExpected += qd.Votes
		}
	}
	expected := nodeExpected
	if s.ExpectedVotes > 0 {
		expected = s.ExpectedVotes
	}
	in := Input{
		Self:             self,
		Nodes:            []Node{{ID: self, State: StateMember, Votes: selfVotes, ExpectedVotes: expected, Flags: NodeFirst}},
		Members:          []uint32{self},
		Options:          opts,
		QDevice:          qd,
		WaitForAllStatus: opts.WaitForAll,
		EVBarrier:        expected,
		Order:            []uint32{self},
	}
	return in.Apply(Calculate(in)), warnings, nil
}

// setupOptions applies corosync's rules between the options: two_node
// implies wait_for_all unless it is set, and auto_tie_breaker is disabled
// (with a warning) where corosync disables it; auto_tie_breaker with
// last_man_standing in an odd-sized cluster without wait_for_all is fatal.
// nodeExpected is the sum of the configured votes.
func setupOptions(s Settings, nodeExpected uint32) (Options, []string, error) {
	var warnings []string
	opts := Options{
		TwoNode:         s.TwoNode,
		WaitForAll:      s.WaitForAll,
		LastManStanding: s.LastManStanding,
		AutoTieBreaker:  s.AutoTieBreaker,
		ATBNodes:        slices.Clone(s.ATBNodes),
		AllowDownscale:  s.AllowDownscale,
	}
	if s.TwoNode && !s.WaitForAllSet {
		opts.WaitForAll = true
	}
	if opts.AutoTieBreaker == ATBList && len(opts.ATBNodes) == 0 {
		warnings = append(warnings, "auto_tie_breaker_node list is empty: auto_tie_breaker disabled")
		opts.AutoTieBreaker = ATBNone
	}
	if opts.AutoTieBreaker != ATBList {
		opts.ATBNodes = nil
	}
	if opts.TwoNode && opts.AutoTieBreaker != ATBNone {
		warnings = append(warnings, "two_node and auto_tie_breaker are not compatible: two_node disabled")
		opts.TwoNode = false
	}
	if opts.AutoTieBreaker != ATBNone && nodeExpected%2 == 1 && !opts.WaitForAll {
		if opts.LastManStanding {
			return opts, nil, fmt.Errorf("%w: auto_tie_breaker and last_man_standing need wait_for_all in an odd-sized cluster", ErrConfig)
		}
		warnings = append(warnings, "auto_tie_breaker in an odd-sized cluster needs wait_for_all: auto_tie_breaker disabled")
		opts.AutoTieBreaker = ATBNone
		opts.ATBNodes = nil
	}
	return opts, warnings, nil
}

// checkQDevice refuses the options a quorum device is not compatible
// with, and device votes that corosync refuses.
func checkQDevice(s Settings, opts Options, nodeExpected uint32, nodes int) error {
	switch {
	case opts.LastManStanding:
		return fmt.Errorf("%w: a quorum device is not compatible with last_man_standing", ErrConfig)
	case opts.AutoTieBreaker != ATBNone:
		return fmt.Errorf("%w: a quorum device is not compatible with auto_tie_breaker", ErrConfig)
	case opts.AllowDownscale:
		return fmt.Errorf("%w: a quorum device is not compatible with allow_downscale", ErrConfig)
	case !s.QDeviceVotesSet && s.ExpectedVotes > 0:
		return fmt.Errorf("%w: quorum device votes must be set when expected_votes is set", ErrConfig)
	case !s.QDeviceVotesSet && nodeExpected != uint32(nodes):
		return fmt.Errorf("%w: quorum device votes must be set when not every node has 1 vote", ErrConfig)
	case s.QDeviceVotesSet && s.QDeviceVotes > 0 && s.ExpectedVotes > 0 && int64(s.ExpectedVotes)-int64(s.QDeviceVotes) < 2:
		return fmt.Errorf("%w: quorum device votes too high or expected_votes too low", ErrConfig)
	}
	return nil
}

// SyncInit starts a membership transition to the ring members (votequorum's
// sync_init): nodes that left are marked dead, the member lists shift, and
// armLMS tells whether the last_man_standing timer must be started (or
// restarted) now with the configured window. Call Calculate (or feed the
// members' node info) afterwards to finish the transition.
func SyncInit(in Input, members []uint32) (next Input, armLMS bool) {
	next = in
	next.Nodes = slices.Clone(in.Nodes)
	left := false
	for _, id := range in.Members {
		if slices.Contains(members, id) {
			continue
		}
		left = true
		if n := findNode(next.Nodes, id); n != nil {
			n.State = StateDead
		}
	}
	if len(members) > 1 {
		if n := findNode(next.Nodes, in.Self); n != nil {
			n.Flags &^= NodeFirst
		}
	}
	if in.Options.LastManStanding {
		count := uint32(len(members))
		armLMS = (count >= in.Quorum && left) ||
			(count <= in.Quorum && in.Options.AutoTieBreaker != ATBNone && isMember(next.Nodes, in.LowestNodeID))
	}
	next.PreviousMembers = slices.Clone(in.Members)
	next.Members = slices.Clone(members)
	next.Order = slices.Clone(in.Order)
	for _, id := range members {
		if !slices.Contains(next.Order, id) {
			next.Order = AddOrdered(next.Order, id)
		}
	}
	return next, armLMS
}

// AddOrdered inserts id into a node list the way votequorum's
// node_add_ordered does (exec/votequorum.c at v3.1.7), quirk included:
// before the first node with a higher id, or, when there is none, before
// the last node rather than after it. votequorum meets nodes one by one
// in the order their node info is delivered, which after a membership
// change is ring order, ascending from the lowest id; so node 1 that
// meets 2 and 3 lists 2, 3, 1, node 2 lists 1, 3, 2 and node 3 lists
// 1, 2, 3, as corosync does.
func AddOrdered(list []uint32, id uint32) []uint32 {
	i := slices.IndexFunc(list, func(x uint32) bool { return id < x })
	if i < 0 {
		i = max(len(list)-1, 0)
	}
	return slices.Insert(list, i, id)
}

// LastManStandingExpired handles the expiry of the last_man_standing
// window: when the node is still quorate, expected votes drop to the number
// of voting entities present and quorum is recalculated downwards. ok is
// false (and the Result is meaningless) when nothing changes.
func LastManStandingExpired(in Input) (r Result, ok bool) {
	if !in.Quorate || !in.Options.LastManStanding {
		return Result{}, false
	}
	return Recalculate(in, true, true), true
}

// ReceiveNodeInfo applies a node-info message (a node's votes, expected
// votes and flags, as every node multicasts at each transition and change)
// the way votequorum does: the node becomes a member (or leaving, which
// lets allow_downscale shrink expected votes), a quorate node's expected
// votes are adopted by an inquorate receiver, a node with more than one vote
// switches last_man_standing off, and quorum is recalculated if anything
// changed. lmsStopped tells the caller to cancel a running
// last_man_standing timer.
func ReceiveNodeInfo(in Input, info Node) (r Result, lmsStopped bool) {
	work := in
	work.Nodes = slices.Clone(in.Nodes)
	n := findNode(work.Nodes, info.ID)
	isNew := n == nil
	if isNew {
		work.Nodes = append(work.Nodes, Node{ID: info.ID, State: StateDead})
		n = &work.Nodes[len(work.Nodes)-1]
	}
	old := *n
	allowDecrease, byNode := false, false

	n.Flags = info.Flags
	n.Votes = info.Votes
	n.State = StateMember
	if n.Flags&NodeLeaving != 0 {
		n.State = StateLeaving
		allowDecrease, byNode = true, true
	}
	self := findNode(work.Nodes, in.Self)
	if !in.Quorate && n.Flags&NodeQuorate != 0 && self != nil {
		allowDecrease = true
		self.ExpectedVotes = info.ExpectedVotes
	}
	if n.Flags&NodeQuorate != 0 || in.Options.AllowDownscale {
		n.ExpectedVotes = info.ExpectedVotes
	} else if self != nil {
		n.ExpectedVotes = self.ExpectedVotes
	}
	if work.Options.LastManStanding && n.Votes > 1 {
		work.Options.LastManStanding = false
		lmsStopped = true
	}

	if isNew || info.ID == in.Self || n.Flags&NodeFirst != 0 || old.Votes != n.Votes ||
		old.ExpectedVotes != n.ExpectedVotes || old.Flags != n.Flags || old.State != n.State {
		r = Recalculate(work, allowDecrease, byNode)
	} else {
		r = unchanged(work)
	}
	if r.Options.WaitForAll && n.Flags&NodeWFAStatus == 0 && n.Flags&NodeQuorate != 0 {
		r.WaitForAllStatus = false
		if s := findNode(r.Nodes, in.Self); s != nil {
			s.Flags &^= NodeWFAStatus
		}
	}
	return r, lmsStopped
}

// unchanged reports the current state without recalculating.
func unchanged(in Input) Result {
	nodes := slices.Clone(in.Nodes)
	r := Result{
		Nodes:            nodes,
		Quorate:          in.Quorate,
		Quorum:           in.Quorum,
		HighestExpected:  highestExpected(nodes),
		WaitForAllStatus: in.WaitForAllStatus,
		LowestNodeID:     in.LowestNodeID,
		HighestNodeID:    in.HighestNodeID,
		EVBarrier:        in.EVBarrier,
		Options:          in.Options,
		QDevice:          in.QDevice,
	}
	_, r.TotalVotes = calculateQuorum(nodes, in, false, 0)
	self := findNode(nodes, in.Self)
	if self != nil {
		r.ExpectedVotes = self.ExpectedVotes
	}
	r.Flags = globalFlags(in.Options, in.Quorate)
	if self != nil {
		r.Flags |= self.Flags.info()
	}
	return r
}

// ValidateSetExpected checks votequorum_setexpected(expected): it fails with
// ErrInvalidParam when expected is below the votes present, or when the
// cluster is quorate and the new quorum would exceed the votes present
// (setexpected never makes a quorate cluster inquorate).
func ValidateSetExpected(in Input, expected uint32) error {
	work := in
	work.Options.AllowDownscale = false // setexpected ignores the downscale floor
	quorum, total := calculateQuorum64(in.Nodes, work, true, expected)
	switch {
	case uint64(expected) < total:
		return fmt.Errorf("%w: expected votes %d is below the %d votes present: use at least %d", ErrInvalidParam, expected, total, total)
	case in.Quorate && quorum > total:
		return fmt.Errorf("%w: expected votes %d would need %d votes for quorum and only %d are present: the cluster would lose quorum", ErrInvalidParam, expected, quorum, total)
	}
	return nil
}

// ApplySetExpected applies an accepted setexpected once it is delivered
// cluster-wide: every member's expected votes become expected, the
// allow_downscale barrier moves there, and quorum is recalculated, allowed
// to decrease. An EXPECTED notification always follows (ExpectedChanged is
// set even when the value did not change).
func ApplySetExpected(in Input, expected uint32) Result {
	work := in
	work.Nodes = slices.Clone(in.Nodes)
	setMemberExpected(work.Nodes, expected)
	work.EVBarrier = expected
	r := Recalculate(work, true, false)
	r.ExpectedChanged = true
	return r
}

// ValidateSetVotes checks votequorum_setvotes(nodeID, votes). nodeID 0 is the
// quorum device (not the local node, unlike getinfo). An unknown node gives
// ErrNameNotFound; a value whose resulting quorum falls outside
// [total/2, total] gives ErrInvalidParam. corosync leaves the provisional
// vote in place on success until the change is delivered; callers that want
// that lag can store it themselves.
func ValidateSetVotes(in Input, nodeID, votes uint32) error {
	work, ok := withVotes(in, nodeID, votes)
	if !ok {
		return fmt.Errorf("%w: node %d is not in the cluster", ErrNameNotFound, nodeID)
	}
	quorum, total := calculateQuorum64(work.Nodes, work, true, 0)
	if all := sumAll(work); all > math.MaxUint32 {
		// votequorum's 32-bit sums would wrap (and refuse or accept by
		// accident); the figures could not be reported either.
		return fmt.Errorf("%w: with %d votes for node %d the cluster would hold %d votes, more than %d", ErrInvalidParam, votes, nodeID, all, uint32(math.MaxUint32))
	}
	if quorum < total/2 || quorum > total {
		return fmt.Errorf("%w: with %d votes for node %d, quorum would be %d of %d votes present, outside %d..%d", ErrInvalidParam, votes, nodeID, quorum, total, total/2, total)
	}
	return nil
}

// sumAll is every node's votes (members or not) plus the device's, in 64
// bits: what the vote sums could ever reach.
func sumAll(in Input) uint64 {
	t := uint64(in.QDevice.Votes)
	for _, n := range in.Nodes {
		t += uint64(n.Votes)
	}
	return t
}

// ApplySetVotes applies an accepted setvotes once it is delivered
// cluster-wide and recalculates quorum, allowed to decrease. An unknown
// node is ignored, as votequorum does.
func ApplySetVotes(in Input, nodeID, votes uint32) Result {
	work, ok := withVotes(in, nodeID, votes)
	if !ok {
		return unchanged(in)
	}
	return Recalculate(work, true, false)
}

// withVotes returns a copy of in in which nodeID (QDeviceNodeID: the quorum
// device) has the given votes; ok is false for an unknown node.
func withVotes(in Input, nodeID, votes uint32) (work Input, ok bool) {
	work = in
	if nodeID == QDeviceNodeID {
		work.QDevice.Votes = votes
		return work, true
	}
	work.Nodes = slices.Clone(in.Nodes)
	n := findNode(work.Nodes, nodeID)
	if n == nil {
		return in, false
	}
	n.Votes = votes
	return work, true
}

// GetInfo answers votequorum_getinfo(nodeID) from the stored state: nodeID 0
// means the local node; an unknown node gives ErrNotExist. Total votes
// include the device's votes only when the requested node's device casts a
// vote, and the QDEVICE_* flags are the requested node's.
func GetInfo(in Input, nodeID uint32) (Info, error) {
	if nodeID == QDeviceNodeID {
		nodeID = in.Self
	}
	n := findNode(in.Nodes, nodeID)
	if n == nil {
		return Info{}, ErrNotExist
	}
	info := Info{
		NodeID:          n.ID,
		State:           n.State,
		Votes:           n.Votes,
		ExpectedVotes:   n.ExpectedVotes,
		HighestExpected: highestExpected(in.Nodes),
		Quorum:          in.Quorum,
		Flags:           globalFlags(in.Options, in.Quorate) | n.Flags.info(),
		QDeviceVotes:    in.QDevice.Votes,
		QDeviceName:     in.QDevice.Name,
	}
	var total uint64
	for _, m := range in.Nodes {
		if m.State == StateMember {
			total += uint64(m.Votes)
		}
	}
	if n.Flags&NodeQDeviceCastVote != 0 {
		total += uint64(in.QDevice.Votes)
	}
	info.TotalVotes = sat32(total)
	return info, nil
}

// GetInfoAll appends GetInfo(in, id) of every node of in.Nodes, in that
// order, to dst: one pass over the nodes rather than one per node, for
// callers that publish every node's figures.
func GetInfoAll(in Input, dst []Info) []Info {
	common := Info{HighestExpected: highestExpected(in.Nodes), Quorum: in.Quorum,
		QDeviceVotes: in.QDevice.Votes, QDeviceName: in.QDevice.Name}
	var total uint64
	for _, m := range in.Nodes {
		if m.State == StateMember {
			total += uint64(m.Votes)
		}
	}
	common.TotalVotes = sat32(total)
	global := globalFlags(in.Options, in.Quorate)
	for _, n := range in.Nodes {
		info := common
		info.NodeID, info.State, info.Votes, info.ExpectedVotes = n.ID, n.State, n.Votes, n.ExpectedVotes
		info.Flags = global | n.Flags.info()
		if n.Flags&NodeQDeviceCastVote != 0 {
			info.TotalVotes = sat32(total + uint64(in.QDevice.Votes))
		}
		dst = append(dst, info)
	}
	return dst
}

// ValidateQDeviceName is the client-side name check of the qdevice calls:
// empty or too long (>= QDeviceMaxNameLen bytes) names give ErrInvalidParam.
func ValidateQDeviceName(name string) error {
	if name == "" || len(name) >= QDeviceMaxNameLen {
		return ErrInvalidParam
	}
	return nil
}

// QDeviceRegister checks votequorum_qdevice_register(name) on the local
// node. already is true when the same name is registered (the call succeeds
// without doing anything); otherwise a nil error means the registration may
// proceed (RegisterQDevice applies it).
func QDeviceRegister(in Input, name string) (already bool, err error) {
	if err := ValidateQDeviceName(name); err != nil {
		return false, err
	}
	if in.QDevice.Disabled {
		return false, ErrAccess
	}
	self := findNode(in.Nodes, in.Self)
	if self != nil && self.Flags&NodeQDeviceRegistered != 0 {
		if name == in.QDevice.Name {
			return true, nil
		}
		return false, ErrExist
	}
	if in.QDevice.Name != "" && in.QDevice.Name != name {
		return false, ErrExist
	}
	return false, nil
}

// RegisterQDevice records a registration of name on the local node: the
// cluster-wide name is set if none is, and the device is registered but not
// yet alive.
func RegisterQDevice(in Input, name string) Input {
	out := in
	out.Nodes = slices.Clone(in.Nodes)
	if out.QDevice.Name == "" {
		out.QDevice.Name = name
	}
	if self := findNode(out.Nodes, in.Self); self != nil {
		self.Flags |= NodeQDeviceRegistered
	}
	return out
}

// QDeviceUnregister checks and applies votequorum_qdevice_unregister(name):
// it clears all four device flags of the local node, and wipes the
// cluster-wide name when no other member still has a device registered.
func QDeviceUnregister(in Input, name string) (Input, error) {
	if _, err := registeredSelf(in, name); err != nil {
		return in, err
	}
	out := in
	out.Nodes = slices.Clone(in.Nodes)
	s := findNode(out.Nodes, in.Self)
	s.Flags &^= NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote | NodeQDeviceMasterWins
	wipe := true
	for _, n := range out.Nodes {
		if n.State == StateMember && n.Flags&NodeQDeviceRegistered != 0 {
			wipe = false
		}
	}
	if wipe {
		out.QDevice.Name = ""
	}
	return out, nil
}

// QDeviceUpdate checks votequorum_qdevice_update(oldName, newName) and
// returns the state with the device renamed cluster-wide.
func QDeviceUpdate(in Input, oldName, newName string) (Input, error) {
	if err := ValidateQDeviceName(newName); err != nil {
		return in, err
	}
	if _, err := registeredSelf(in, oldName); err != nil {
		return in, err
	}
	out := in
	out.QDevice.Name = newName
	return out, nil
}

// QDevicePoll checks and applies votequorum_qdevice_poll(name, castVote,
// ring): ringCurrent tells whether the poll's ring id is the current one.
// On success the local device is alive and casts castVote; the caller
// re-arms the device timeout and recalculates quorum (Calculate).
func QDevicePoll(in Input, name string, castVote, ringCurrent bool) (Input, error) {
	if err := ValidateQDeviceName(name); err != nil {
		return in, err
	}
	if in.QDevice.Disabled {
		return in, ErrAccess
	}
	// votequorum checks the ring id before the name.
	if self := findNode(in.Nodes, in.Self); self != nil && self.Flags&NodeQDeviceRegistered != 0 && !ringCurrent {
		return in, ErrRingMismatch
	}
	if _, err := registeredSelf(in, name); err != nil {
		return in, err
	}
	out := in
	out.Nodes = slices.Clone(in.Nodes)
	s := findNode(out.Nodes, in.Self)
	s.Flags |= NodeQDeviceAlive
	if castVote {
		s.Flags |= NodeQDeviceCastVote
	} else {
		s.Flags &^= NodeQDeviceCastVote
	}
	return out, nil
}

// QDeviceTimeout is the expiry of the device poll timeout: the local device
// is no longer alive and casts no vote (it stays registered).
func QDeviceTimeout(in Input) Input {
	out := in
	out.Nodes = slices.Clone(in.Nodes)
	if s := findNode(out.Nodes, in.Self); s != nil {
		s.Flags &^= NodeQDeviceAlive | NodeQDeviceCastVote
	}
	return out
}

// QDeviceMasterWins checks and applies votequorum_qdevice_master_wins(name,
// allow) on the local node.
func QDeviceMasterWins(in Input, name string, allow bool) (Input, error) {
	if err := ValidateQDeviceName(name); err != nil {
		return in, err
	}
	if in.QDevice.Disabled {
		return in, ErrAccess
	}
	if _, err := registeredSelf(in, name); err != nil {
		return in, err
	}
	out := in
	out.Nodes = slices.Clone(in.Nodes)
	s := findNode(out.Nodes, in.Self)
	if allow {
		s.Flags |= NodeQDeviceMasterWins
	} else {
		s.Flags &^= NodeQDeviceMasterWins
	}
	return out, nil
}

// registeredSelf returns the local node when it has a device registered
// under name: ErrNotExist when none is registered, ErrInvalidParam when the
// name differs.
func registeredSelf(in Input, name string) (*Node, error) {
	if err := ValidateQDeviceName(name); err != nil {
		return nil, err
	}
	self := findNode(in.Nodes, in.Self)
	if self == nil || self.Flags&NodeQDeviceRegistered == 0 {
		return nil, ErrNotExist
	}
	if name != in.QDevice.Name {
		return nil, ErrInvalidParam
	}
	return self, nil
}

// ListEntry is one entry of a QUORUM notification's node list.
type ListEntry struct {
	ID    uint32
	State NodeState
}

// QuorumNodeList is the node list of a QUORUM notification: every known
// node (member, dead or leaving) in votequorum's list order (Input.Order),
// followed by an entry with id 0 for the quorum device when the local node
// has one registered. That entry's state is 0, as corosync never sets it.
func QuorumNodeList(in Input) []ListEntry {
	out := make([]ListEntry, 0, len(in.Nodes)+1)
	for _, id := range in.Order {
		if n := findNode(in.Nodes, id); n != nil {
			out = append(out, ListEntry{ID: n.ID, State: n.State})
		}
	}
	var rest []ListEntry
	for _, n := range in.Nodes {
		if !slices.Contains(in.Order, n.ID) {
			rest = append(rest, ListEntry{ID: n.ID, State: n.State})
		}
	}
	slices.SortFunc(rest, func(a, b ListEntry) int { return cmp.Compare(a.ID, b.ID) })
	out = append(out, rest...)
	if self := findNode(in.Nodes, in.Self); self != nil && self.Flags&NodeQDeviceRegistered != 0 {
		out = append(out, ListEntry{ID: QDeviceNodeID, State: 0})
	}
	return out
}
