package main

// The JSON that gohactl --json prints. doc/json.md is the definition of
// record (and gohactl(8) repeats it); schema_test.go validates every
// command's output against the schema in that document, so a change here
// without a change there fails the tests.
//
// Rules: snake_case keys; enumerations as names ("role": "master"), with
// the API's number beside them where the number is an API value
// ("state_code", "ha_state_code", "sflag", "flag_bits"); lists are never
// null ([] when empty); a missing node reference is null.

import (
	"fmt"
	"strings"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// nodeRef names a node; null in JSON when there is none.
type nodeRef struct {
	ID   uint32 `json:"id"`
	Name string `json:"name"`
}

type ringJSON struct {
	Rep uint32 `json:"rep"`
	Seq uint64 `json:"seq"`
	ID  string `json:"id"` // "rep.seq" in hex, as corosync-quorumtool prints Ring ID
}

type qdeviceJSON struct {
	Name  string `json:"name"`
	Votes uint32 `json:"votes"`
}

type quorumJSON struct {
	Quorate         bool         `json:"quorate"`
	Quorum          uint32       `json:"quorum"`
	TotalVotes      uint32       `json:"total_votes"`
	ExpectedVotes   uint32       `json:"expected_votes"`
	HighestExpected uint32       `json:"highest_expected"`
	Flags           []string     `json:"flags"`
	FlagBits        uint32       `json:"flag_bits"`
	QDevice         *qdeviceJSON `json:"qdevice"`
}

type nodeJSON struct {
	ID            uint32   `json:"id"`
	Name          string   `json:"name"`
	Addr          string   `json:"addr"`
	Local         bool     `json:"local"`
	Votes         uint32   `json:"votes"`
	ExpectedVotes uint32   `json:"expected_votes"`
	State         string   `json:"state"`
	StateCode     uint32   `json:"state_code"`
	Eligible      bool     `json:"eligible"`
	Incarnation   uint64   `json:"incarnation"`
	Role          string   `json:"role"`
	CMMFlags      []string `json:"cmm_flags"`
	SFlag         uint32   `json:"sflag"`
}

type countersJSON struct {
	DatagramsSent     uint64 `json:"datagrams_sent"`
	DatagramsReceived uint64 `json:"datagrams_received"`
	RejectedAuth      uint64 `json:"rejected_auth"`
	RejectedReplay    uint64 `json:"rejected_replay"`
	RejectedMalformed uint64 `json:"rejected_malformed"`
	RejectedUnknown   uint64 `json:"rejected_unknown"`
	ClientsDropped    uint64 `json:"clients_dropped"`
	ViewsInstalled    uint64 `json:"views_installed"`
}

type statusJSON struct {
	Cluster     string       `json:"cluster"`
	DomainID    uint32       `json:"domain_id"`
	Node        nodeRef      `json:"node"`
	Software    string       `json:"software"`
	Incarnation uint64       `json:"incarnation"`
	UptimeMs    int64        `json:"uptime_ms"`
	Ring        ringJSON     `json:"ring"`
	ViewAgeMs   int64        `json:"view_age_ms"`
	Members     []uint32     `json:"members"`
	Quorate     bool         `json:"quorate"`
	Removed     bool         `json:"removed"`
	Master      *nodeRef     `json:"master"`
	ViceMaster  *nodeRef     `json:"vice_master"`
	Quorum      quorumJSON   `json:"quorum"`
	Nodes       []nodeJSON   `json:"nodes"`
	Counters    countersJSON `json:"counters"`
}

type nodesJSON struct {
	Nodes []nodeJSON `json:"nodes"`
}

type memberJSON struct {
	ID          uint32   `json:"id"`
	Name        string   `json:"name"`
	Addr        string   `json:"addr"`
	DomainID    uint32   `json:"domain_id"`
	Role        string   `json:"role"`
	CMMFlags    []string `json:"cmm_flags"`
	SFlag       uint32   `json:"sflag"`
	Incarnation uint32   `json:"incarnation"`
	Software    string   `json:"software"`
}

type membersJSON struct {
	Members []memberJSON `json:"members"`
}

type vqInfoJSON struct {
	NodeID          uint32       `json:"node_id"`
	State           string       `json:"state"`
	StateCode       uint32       `json:"state_code"`
	Votes           uint32       `json:"votes"`
	ExpectedVotes   uint32       `json:"expected_votes"`
	HighestExpected uint32       `json:"highest_expected"`
	TotalVotes      uint32       `json:"total_votes"`
	Quorum          uint32       `json:"quorum"`
	Quorate         bool         `json:"quorate"`
	Flags           []string     `json:"flags"`
	FlagBits        uint32       `json:"flag_bits"`
	QDevice         *qdeviceJSON `json:"qdevice"`
}

type cdbEntryJSON struct {
	Path  string `json:"path"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

type cdbWriteJSON struct {
	Path string `json:"path"`
	Txid uint64 `json:"txid"`
}

type cdbDumpJSON struct {
	Txid    uint64         `json:"txid"`
	Entries []cdbEntryJSON `json:"entries"`
}

// cdbChangeJSON is one line of cdb watch --json.
type cdbChangeJSON struct {
	Txid   uint64 `json:"txid"`
	Prev   uint64 `json:"prev"`
	Reset  bool   `json:"reset"`
	Resync bool   `json:"resync"`
	// Discarded: [from, to] of a reset that withdrew transactions.
	Discarded []uint64            `json:"discarded,omitempty"`
	Changes   []cdbChangeItemJSON `json:"changes"`
}

type cdbChangeItemJSON struct {
	Path     string `json:"path"`
	Op       string `json:"op"`
	Type     string `json:"type,omitempty"`
	Value    string `json:"value,omitempty"`
	OldType  string `json:"old_type,omitempty"`
	OldValue string `json:"old_value,omitempty"`
}

type haNodeJSON struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

type haSecondaryJSON struct {
	Name      string `json:"name"`
	Addr      string `json:"addr"`
	InSync    bool   `json:"in_sync"`
	AckedTxid uint64 `json:"acked_txid"`
	Lag       uint64 `json:"lag"` // transactions the secondary has not acknowledged
	// Auto mode: commits wait for it (required); the cluster's record
	// lists it in sync (published: it may become primary).
	Required  bool `json:"required"`
	Published bool `json:"published"`
}

// haAutoJSON is auto mode's part of ha status (null in external mode).
type haAutoJSON struct {
	Epoch     uint64   `json:"epoch"`
	Primary   string   `json:"primary"`
	Sync      []string `json:"sync"`
	MinSync   int      `json:"min_sync"`
	Writable  bool     `json:"writable"`
	Why       string   `json:"why"`
	Witness   bool     `json:"witness"`
	Discarded []uint64 `json:"discarded"`
}

type haStatusJSON struct {
	Node        string            `json:"node"`
	HAState     string            `json:"ha_state"`
	HAStateCode int               `json:"ha_state_code"`
	Replication string            `json:"replication"`
	Txid        uint64            `json:"txid"`
	Listen      string            `json:"listen"`
	Initialized bool              `json:"initialized"`
	Primary     *haNodeJSON       `json:"primary"`
	Nodes       []haNodeJSON      `json:"nodes"`
	Secondaries []haSecondaryJSON `json:"secondaries"`
	Mode        string            `json:"mode"` // "external" or "auto"
	Auto        *haAutoJSON       `json:"auto"`
}

type okJSON struct {
	OK bool `json:"ok"`
}

type errorJSON struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Name    string `json:"name"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Exit    int    `json:"exit"`
}

// An event of `watch --json` is one JSON object per line, built as a map
// (watch.go): "event" names the kind and decides the other keys, "seq" and
// "time" are always present.

type eventNodeJSON struct {
	ID        uint32 `json:"id"`
	Name      string `json:"name"`
	State     string `json:"state"`
	StateCode uint32 `json:"state_code"`
}

// names resolves node ids to config names (from one status call).
type names map[uint32]string

func (nm names) ref(id uint32) *nodeRef {
	if id == 0 {
		return nil
	}
	return &nodeRef{ID: id, Name: nm[id]}
}

func (nm names) label(id uint32) string {
	if id == 0 {
		return "none"
	}
	if n, ok := nm[id]; ok {
		return fmt.Sprintf("%s (%d)", n, id)
	}
	return fmt.Sprint(id)
}

func namesOf(st *client.Status) names {
	nm := names{}
	for _, n := range st.Nodes {
		nm[n.ID] = n.Name
	}
	return nm
}

func ringOf(r wire.RingID) ringJSON {
	return ringJSON{Rep: r.Rep, Seq: r.Seq, ID: fmt.Sprintf("%x.%x", r.Rep, r.Seq)}
}

func stateName(s uint32) string {
	switch s {
	case wire.NodeStateMember:
		return "member"
	case wire.NodeStateDead:
		return "dead"
	case wire.NodeStateLeaving:
		return "leaving"
	}
	return "unknown"
}

// roleName is the CMM role of an sflag: master, vice_master, in_cluster
// (a member without a role) or out_of_cluster.
func roleName(sflag uint32) string {
	switch {
	case sflag&wire.CMMMaster != 0:
		return "master"
	case sflag&wire.CMMViceMaster != 0:
		return "vice_master"
	case sflag&wire.CMMOutOfCluster != 0:
		return "out_of_cluster"
	}
	return "in_cluster"
}

func cmmFlagList(sflag uint32) []string {
	f := []string{}
	if sflag&wire.CMMEligible != 0 {
		f = append(f, "eligible")
		if sflag&wire.CMMDisqualified != 0 {
			f = append(f, "disqualified")
		} else {
			f = append(f, "qualified")
		}
	} else if sflag&wire.CMMDisqualified != 0 {
		f = append(f, "disqualified")
	}
	if sflag&wire.CMMSynchroNeeded != 0 {
		f = append(f, "synchro_needed")
	}
	if sflag&wire.CMMFrozen != 0 {
		f = append(f, "frozen")
	}
	if sflag&wire.CMMExcluded != 0 {
		f = append(f, "excluded")
	}
	return f
}

var vqFlagNames = []struct {
	bit  uint32
	name string // JSON name
	text string // corosync-quorumtool's word
}{
	{wire.VQTwoNode, "two_node", "2Node"}, {wire.VQQuorate, "quorate", "Quorate"},
	{wire.VQWaitForAll, "wait_for_all", "WaitForAll"}, {wire.VQLastManStanding, "last_man_standing", "LastManStanding"},
	{wire.VQAutoTieBreaker, "auto_tie_breaker", "AutoTieBreaker"}, {wire.VQAllowDownscale, "allow_downscale", "AllowDownscale"},
	{wire.VQQDeviceRegistered, "qdevice", "Qdevice"}, {wire.VQQDeviceAlive, "qdevice_alive", "QdeviceAlive"},
	{wire.VQQDeviceCastVote, "qdevice_cast_vote", "QdeviceCastVote"}, {wire.VQQDeviceMasterWin, "qdevice_master_wins", "QdeviceMasterWins"},
}

func vqFlagList(flags uint32) []string {
	f := []string{}
	for _, n := range vqFlagNames {
		if flags&n.bit != 0 {
			f = append(f, n.name)
		}
	}
	return f
}

func vqFlagText(flags uint32) string {
	var f []string
	for _, n := range vqFlagNames {
		if flags&n.bit != 0 {
			f = append(f, n.text)
		}
	}
	return strings.Join(f, " ")
}

func qdeviceOf(name string, votes uint32) *qdeviceJSON {
	if name == "" {
		return nil
	}
	return &qdeviceJSON{Name: name, Votes: votes}
}

func nodeOf(st *client.Status, n *client.NodeStatus) nodeJSON {
	return nodeJSON{ID: n.ID, Name: n.Name, Addr: n.Addr, Local: n.ID == st.NodeID, Votes: n.Votes,
		ExpectedVotes: n.Expected, State: stateName(n.State), StateCode: n.State, Eligible: n.Eligible,
		Incarnation: n.Incarnation, Role: roleName(n.SFlag), CMMFlags: cmmFlagList(n.SFlag), SFlag: n.SFlag}
}

func nodesOf(st *client.Status) []nodeJSON {
	out := make([]nodeJSON, 0, len(st.Nodes))
	for i := range st.Nodes {
		out = append(out, nodeOf(st, &st.Nodes[i]))
	}
	return out
}

func statusOf(st *client.Status) statusJSON {
	nm := namesOf(st)
	q := st.Quorum
	members := st.Members
	if members == nil {
		members = []uint32{}
	}
	c := st.Counters
	return statusJSON{
		Cluster: st.Cluster, DomainID: st.DomainID, Node: nodeRef{st.NodeID, st.NodeName}, Software: st.Software,
		Incarnation: st.Incarnation, UptimeMs: st.UptimeMilli, Ring: ringOf(st.Ring), ViewAgeMs: st.ViewAgeMs,
		Members: members, Quorate: q.Quorate, Removed: st.Removed, Master: nm.ref(st.Master), ViceMaster: nm.ref(st.ViceMaster),
		Quorum: quorumJSON{Quorate: q.Quorate, Quorum: q.Quorum, TotalVotes: q.TotalVotes, ExpectedVotes: q.ExpectedVotes,
			HighestExpected: q.HighestExpected, Flags: vqFlagList(q.Flags), FlagBits: q.Flags, QDevice: qdeviceOf(q.QDeviceName, q.QDeviceVotes)},
		Nodes: nodesOf(st),
		Counters: countersJSON{DatagramsSent: c.DatagramsSent, DatagramsReceived: c.DatagramsReceived, RejectedAuth: c.RejectedAuth,
			RejectedReplay: c.RejectedReplay, RejectedMalformed: c.RejectedMalformed, RejectedUnknown: c.RejectedUnknown,
			ClientsDropped: c.ClientsDropped, ViewsInstalled: c.Views},
	}
}

func memberOf(m *client.CMMMember) memberJSON {
	return memberJSON{ID: m.NodeID, Name: m.Name, Addr: m.Addr, DomainID: m.DomainID, Role: roleName(m.SFlag),
		CMMFlags: cmmFlagList(m.SFlag), SFlag: m.SFlag, Incarnation: m.Incarnation, Software: m.SoftwareLoad}
}

func vqInfoOf(i *client.VQInfo) vqInfoJSON {
	return vqInfoJSON{NodeID: i.NodeID, State: stateName(i.NodeState), StateCode: i.NodeState, Votes: i.NodeVotes,
		ExpectedVotes: i.NodeExpected, HighestExpected: i.HighestExpected, TotalVotes: i.TotalVotes, Quorum: i.Quorum,
		Quorate: i.Flags&wire.VQQuorate != 0, Flags: vqFlagList(i.Flags), FlagBits: i.Flags, QDevice: qdeviceOf(i.QDeviceName, i.QDeviceVotes)}
}

func entryOf(path string, v store.Value) cdbEntryJSON {
	return cdbEntryJSON{Path: path, Type: v.Type().String(), Value: v.String()}
}

// haStateName names a confd_ha_status_state.
func haStateName(s int) string {
	switch s {
	case 1:
		return "none"
	case 2:
		return "secondary"
	case 3:
		return "primary"
	case 4:
		return "relay"
	}
	return fmt.Sprintf("state_%d", s)
}

func haStatusOf(st *wire.HAStatus) haStatusJSON {
	out := haStatusJSON{Node: st.Name, HAState: haStateName(st.State), HAStateCode: st.State, Replication: st.Mode,
		Txid: st.Txid, Listen: st.ListenAddr, Initialized: st.Initialized, Nodes: []haNodeJSON{}, Secondaries: []haSecondaryJSON{}}
	for _, n := range st.Nodes {
		out.Nodes = append(out.Nodes, haNodeJSON{n.Name, n.Addr})
	}
	if (st.State == 2 || st.State == 4) && len(st.Nodes) > 0 {
		out.Primary = &haNodeJSON{st.Nodes[0].Name, st.Nodes[0].Addr}
	}
	for _, p := range st.Peers {
		var lag uint64
		if st.Txid > p.Acked {
			lag = st.Txid - p.Acked
		}
		out.Secondaries = append(out.Secondaries, haSecondaryJSON{Name: p.Name, Addr: p.Addr, InSync: p.InSync, AckedTxid: p.Acked, Lag: lag,
			Required: p.Required, Published: p.Published})
	}
	out.Mode = "external"
	if a := st.Auto; a != nil {
		out.Mode = "auto"
		out.Auto = &haAutoJSON{Epoch: a.Epoch, Primary: a.Primary, Sync: append([]string{}, a.Sync...), MinSync: a.MinSync,
			Writable: a.Writable, Why: a.Why, Witness: a.Witness, Discarded: []uint64{}}
		if a.Discarded[1] != 0 {
			out.Auto.Discarded = []uint64{a.Discarded[0], a.Discarded[1]}
		}
	}
	return out
}

func timeOf(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
