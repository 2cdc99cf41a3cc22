// Command gohactl is the operator's command line for a goha node: it talks
// to the local gohad over the control protocol (core/client).
//
//	gohactl [--ipc ADDR] [--timeout D] [--json] COMMAND [ARGS]
//
// Commands:
//
//	status                    this node, ring id, members with votes, state, CMM role and
//	                          flags, and the quorum figures (like corosync-quorumtool -s)
//	members                   the member table (CMM view)
//	quorum                    votequorum figures of this node
//	master                    the CMM master's id and name (exit 1 when there is none)
//	set-expected N            votequorum_setexpected
//	set-votes NODE N          votequorum_setvotes (NODE: id or name)
//	qualify NODE qualified|disqualified   cmm_member_setqualif (run on the master)
//	release-mastership        cmm_mastership_release (run on the master)
//	watch                     print events (views, quorum, CMM) until interrupted
//	cdb get PATH              the config store value at PATH
//	cdb set PATH VALUE [TYPE] store a value (TYPE string by default)
//	cdb delete PATH           remove a value
//	cdb dump [PREFIX]         every entry: path, type, value
//	ha status                 HA role, secondaries, replication state
//
// --ipc overrides $GOHA_IPC (default unix:/var/run/goha/gohad.sock); --json
// prints read commands as JSON. Exit status: 0 success, 1 the daemon
// refused or reported an error, 2 usage error, 3 daemon not reachable or
// connection lost, 4 timeout.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
	exitGone    = 3
	exitTimeout = 4
)

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: gohactl [--ipc ADDR] [--timeout D] [--json] COMMAND [ARGS]

commands:
  status                                 node, ring, members, roles, quorum
  members                                member table with CMM roles and flags
  quorum                                 votequorum figures of this node
  master                                 id and name of the CMM master
  set-expected N                         set expected votes
  set-votes NODE N                       set the votes of a node (id or name)
  qualify NODE qualified|disqualified    set a node's CMM qualification (on the master)
  release-mastership                     hand mastership to the vice-master (on the master)
  watch                                  print events until interrupted
` + extUsage + `
--ipc defaults to $GOHA_IPC, else unix:/var/run/goha/gohad.sock
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	ipc     string
	timeout time.Duration
	json    bool
	args    []string
}

func parseArgs(args []string) (*options, error) {
	o := &options{ipc: client.DefaultAddr(), timeout: 5 * time.Second}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", usageError{name + " needs a value"}
			}
			i++
			return args[i], nil
		}
		switch name {
		case "--ipc", "-ipc":
			v, err := next()
			if err != nil {
				return nil, err
			}
			o.ipc = v
		case "--timeout", "-timeout":
			v, err := next()
			if err != nil {
				return nil, err
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, usageError{fmt.Sprintf("--timeout %q: want a duration such as 5s", v)}
			}
			o.timeout = d
		case "--json", "-json":
			o.json = true
		case "-h", "--help", "help":
			return nil, usageError{""}
		default:
			if strings.HasPrefix(a, "-") && len(a) > 1 {
				if _, err := strconv.Atoi(a); err != nil {
					return nil, usageError{"unknown option " + a}
				}
			}
			o.args = append(o.args, a)
		}
	}
	if len(o.args) == 0 {
		return nil, usageError{""}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		return fail(stderr, err)
	}
	cmd, rest := o.args[0], o.args[1:]
	if extCommand(cmd) {
		fn, err := parseExt(cmd, rest)
		if err != nil {
			return fail(stderr, err)
		}
		c, err := client.Dial(o.ipc, o.timeout)
		if err != nil {
			return fail(stderr, err)
		}
		defer c.Close()
		if err := fn(c, o, stdout); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	want := map[string]int{"status": 0, "members": 0, "quorum": 0, "master": 0, "set-expected": 1,
		"set-votes": 2, "qualify": 2, "release-mastership": 0, "watch": 0}
	n, ok := want[cmd]
	if !ok {
		return fail(stderr, usageError{"unknown command " + strconv.Quote(cmd)})
	}
	if len(rest) != n {
		return fail(stderr, usageError{fmt.Sprintf("%s takes %d argument(s), got %d", cmd, n, len(rest))})
	}
	// Check arguments before contacting the daemon.
	var num uint32
	var qualif int32
	switch cmd {
	case "set-expected":
		num, err = parseU32("N", rest[0])
	case "set-votes":
		num, err = parseU32("N", rest[1])
	case "qualify":
		switch rest[1] {
		case "qualified":
			qualif = wire.QualifQualified
		case "disqualified":
			qualif = wire.QualifDisqualified
		default:
			err = usageError{"qualify: level must be qualified or disqualified, not " + strconv.Quote(rest[1])}
		}
	}
	if err != nil {
		return fail(stderr, err)
	}
	c, err := client.Dial(o.ipc, o.timeout)
	if err != nil {
		return fail(stderr, err)
	}
	defer c.Close()
	switch cmd {
	case "status":
		err = cmdStatus(c, o, stdout)
	case "members":
		err = cmdMembers(c, o, stdout)
	case "quorum":
		err = cmdQuorum(c, o, stdout)
	case "master":
		err = cmdMaster(c, o, stdout)
	case "set-expected":
		err = c.SetExpected(num)
	case "set-votes":
		var id uint32
		if id, err = resolveNode(c, rest[0]); err == nil {
			err = c.SetVotes(id, num)
		}
	case "qualify":
		var id uint32
		if id, err = resolveNode(c, rest[0]); err == nil {
			err = c.SetQualification(id, qualif)
		}
	case "release-mastership":
		err = c.ReleaseMastership()
	case "watch":
		err = cmdWatch(c, o, stdout)
	}
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

func fail(w io.Writer, err error) int {
	var ue usageError
	var ce *client.Error
	switch {
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(w, "gohactl: %s\n", ue.msg)
		}
		fmt.Fprint(w, usage)
		return exitUsage
	case errors.Is(err, client.ErrDaemonGone):
		fmt.Fprintf(w, "gohactl: %v (is gohad running? set --ipc or GOHA_IPC)\n", err)
		return exitGone
	case errors.Is(err, client.ErrTimeout):
		fmt.Fprintf(w, "gohactl: %v\n", err)
		return exitTimeout
	case errors.As(err, &ce):
		fmt.Fprintf(w, "gohactl: %v\n", err)
		return exitRefused
	default:
		fmt.Fprintf(w, "gohactl: %v\n", err)
		return exitRefused
	}
}

func parseU32(what, s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, usageError{fmt.Sprintf("%s must be a non-negative integer, not %q", what, s)}
	}
	return uint32(v), nil
}

// resolveNode accepts a node id or a configured node name.
func resolveNode(c *client.Client, s string) (uint32, error) {
	if v, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(v), nil
	}
	st, err := c.Status()
	if err != nil {
		return 0, err
	}
	for _, n := range st.Nodes {
		if n.Name == s {
			return n.ID, nil
		}
	}
	return 0, usageError{fmt.Sprintf("no node named %q in the cluster config", s)}
}

func printJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
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

func roleName(sflag uint32) string {
	switch {
	case sflag&wire.CMMMaster != 0:
		return "master"
	case sflag&wire.CMMViceMaster != 0:
		return "vice-master"
	case sflag&wire.CMMOutOfCluster != 0:
		return "out"
	}
	return "in"
}

func cmmFlags(sflag uint32) string {
	var f []string
	if sflag&wire.CMMEligible != 0 {
		f = append(f, "eligible")
	}
	if sflag&wire.CMMDisqualified != 0 {
		f = append(f, "disqualified")
	} else if sflag&wire.CMMEligible != 0 {
		f = append(f, "qualified")
	}
	if sflag&wire.CMMSynchroNeeded != 0 {
		f = append(f, "synchro-needed")
	}
	if sflag&wire.CMMFrozen != 0 {
		f = append(f, "frozen")
	}
	if sflag&wire.CMMExcluded != 0 {
		f = append(f, "excluded")
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, ",")
}

func vqFlags(flags uint32) string {
	names := []struct {
		bit  uint32
		name string
	}{
		{wire.VQQuorate, "Quorate"}, {wire.VQTwoNode, "2Node"}, {wire.VQWaitForAll, "WaitForAll"},
		{wire.VQLastManStanding, "LastManStanding"}, {wire.VQAutoTieBreaker, "AutoTieBreaker"},
		{wire.VQAllowDownscale, "AllowDownscale"}, {wire.VQQDeviceRegistered, "Qdevice"},
		{wire.VQQDeviceAlive, "QdeviceAlive"}, {wire.VQQDeviceCastVote, "QdeviceCastVote"},
		{wire.VQQDeviceMasterWin, "QdeviceMasterWins"},
	}
	var f []string
	for _, n := range names {
		if flags&n.bit != 0 {
			f = append(f, n.name)
		}
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, " ")
}

func nodeName(st *client.Status, id uint32) string {
	if id == 0 {
		return "none"
	}
	for _, n := range st.Nodes {
		if n.ID == id {
			return fmt.Sprintf("%d (%s)", id, n.Name)
		}
	}
	return strconv.FormatUint(uint64(id), 10)
}

func cmdStatus(c *client.Client, o *options, w io.Writer) error {
	st, err := c.Status()
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(w, st)
	}
	q := st.Quorum
	fmt.Fprintf(w, "Quorum information\n------------------\n")
	fmt.Fprintf(w, "Cluster:          %s (domain %d)\n", st.Cluster, st.DomainID)
	fmt.Fprintf(w, "Node ID:          %d (%s)\n", st.NodeID, st.NodeName)
	fmt.Fprintf(w, "Incarnation:      %d\n", st.Incarnation)
	fmt.Fprintf(w, "Ring ID:          %x.%x\n", st.Ring.Rep, st.Ring.Seq)
	fmt.Fprintf(w, "Members:          %d\n", len(st.Members))
	fmt.Fprintf(w, "Quorate:          %s\n", yesNo(q.Quorate))
	if st.Removed {
		fmt.Fprintf(w, "Removed:          yes (cmm_membership_remove; restart gohad to rejoin)\n")
	}
	fmt.Fprintf(w, "\nVotequorum information\n----------------------\n")
	fmt.Fprintf(w, "Expected votes:   %d\n", q.ExpectedVotes)
	fmt.Fprintf(w, "Highest expected: %d\n", q.HighestExpected)
	fmt.Fprintf(w, "Total votes:      %d\n", q.TotalVotes)
	fmt.Fprintf(w, "Quorum:           %d%s\n", q.Quorum, map[bool]string{false: " Activity blocked", true: ""}[q.Quorate])
	fmt.Fprintf(w, "Flags:            %s\n", vqFlags(q.Flags))
	if q.QDeviceName != "" {
		fmt.Fprintf(w, "Qdevice:          %s (%d votes)\n", q.QDeviceName, q.QDeviceVotes)
	}
	fmt.Fprintf(w, "\nCMM information\n---------------\n")
	fmt.Fprintf(w, "Master:           %s\n", nodeName(st, st.Master))
	fmt.Fprintf(w, "Vice-master:      %s\n", nodeName(st, st.ViceMaster))
	fmt.Fprintf(w, "\nMembership information\n----------------------\n")
	return nodeTable(w, st)
}

func nodeTable(w io.Writer, st *client.Status) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Nodeid\tVotes\tExpected\tIncarnation\t State\t Name\t Role\t Flags\t\n")
	nodes := append([]client.NodeStatus(nil), st.Nodes...)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	for _, n := range nodes {
		name := n.Name
		if n.ID == st.NodeID {
			name += " (local)"
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t %s\t %s\t %s\t %s\t\n", n.ID, n.Votes, n.Expected, n.Incarnation,
			stateName(n.State), name, roleName(n.SFlag), cmmFlags(n.SFlag))
	}
	return tw.Flush()
}

func cmdMembers(c *client.Client, o *options, w io.Writer) error {
	ms, err := c.Members(true)
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(w, ms)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "NODEID\tNAME\tADDR\tROLE\tFLAGS\tINCARNATION\tDOMAIN\n")
	for _, m := range ms {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\n", m.NodeID, m.Name, m.Addr, roleName(m.SFlag), cmmFlags(m.SFlag), m.Incarnation, m.DomainID)
	}
	return tw.Flush()
}

func cmdQuorum(c *client.Client, o *options, w io.Writer) error {
	info, err := c.QuorumInfo(0)
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(w, info)
	}
	fmt.Fprintf(w, "Node ID:          %d\n", info.NodeID)
	fmt.Fprintf(w, "Node state:       %s\n", stateName(info.NodeState))
	fmt.Fprintf(w, "Node votes:       %d\n", info.NodeVotes)
	fmt.Fprintf(w, "Expected votes:   %d\n", info.NodeExpected)
	fmt.Fprintf(w, "Highest expected: %d\n", info.HighestExpected)
	fmt.Fprintf(w, "Total votes:      %d\n", info.TotalVotes)
	fmt.Fprintf(w, "Quorum:           %d\n", info.Quorum)
	fmt.Fprintf(w, "Quorate:          %s\n", yesNo(info.Flags&wire.VQQuorate != 0))
	fmt.Fprintf(w, "Flags:            %s\n", vqFlags(info.Flags))
	if info.QDeviceName != "" {
		fmt.Fprintf(w, "Qdevice:          %s (%d votes)\n", info.QDeviceName, info.QDeviceVotes)
	}
	return nil
}

func cmdMaster(c *client.Client, o *options, w io.Writer) error {
	m, err := c.Master()
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(w, m)
	}
	fmt.Fprintf(w, "%d %s\n", m.NodeID, m.Name)
	return nil
}

func cmdWatch(c *client.Client, o *options, w io.Writer) error {
	if _, err := c.Subscribe(wire.TopicAll, wire.TopicView|wire.TopicQuorum); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	enc := json.NewEncoder(w)
	for {
		select {
		case <-sig:
			return nil
		case ev, ok := <-c.Events():
			if !ok {
				return c.Err()
			}
			if o.json {
				enc.Encode(ev)
				continue
			}
			fmt.Fprintf(w, "%s #%d %s\n", time.Now().Format("15:04:05.000"), ev.Seq, describe(ev))
		}
	}
}

var cmmNames = map[uint32]string{
	wire.CMMMasterElected: "MASTER_ELECTED", wire.CMMMasterDemoted: "MASTER_DEMOTED",
	wire.CMMViceMasterElected: "VICEMASTER_ELECTED", wire.CMMViceMasterDemoted: "VICEMASTER_DEMOTED",
	wire.CMMMemberJoined: "MEMBER_JOINED", wire.CMMMemberLeft: "MEMBER_LEFT",
	wire.CMMStaleCluster: "STALE_CLUSTER", wire.CMMInvalidCluster: "INVALID_CLUSTER", wire.CMMValidCluster: "VALID_CLUSTER",
}

func describe(ev client.Event) string {
	switch {
	case ev.View != nil:
		v := ev.View
		return fmt.Sprintf("view ring %x.%x members %v quorate %s master %d vice-master %d", v.Ring.Rep, v.Ring.Seq, v.Members, yesNo(v.Quorate), v.Master, v.ViceMaster)
	case ev.NodeList != nil:
		return fmt.Sprintf("nodelist ring %x.%x nodes %v", ev.NodeList.Ring.Rep, ev.NodeList.Ring.Seq, ev.NodeList.Nodes)
	case ev.Quorum != nil:
		return fmt.Sprintf("quorum quorate %s nodes %v", yesNo(ev.Quorum.Quorate), ev.Quorum.Nodes)
	case ev.Expected != nil:
		return fmt.Sprintf("expected votes %d", ev.Expected.Expected)
	case ev.CMM != nil:
		name := cmmNames[ev.CMM.Change]
		if name == "" {
			name = strconv.FormatUint(uint64(ev.CMM.Change), 10)
		}
		return fmt.Sprintf("cmm %s node %d", name, ev.CMM.Node)
	}
	return "event " + ev.Kind
}
