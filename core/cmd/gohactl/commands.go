package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// command is one gohactl command. parse checks the arguments before the
// daemon is contacted and returns what to run.
type command struct {
	name  string // "status", "ha be-primary"
	args  string // argument synopsis
	help  string
	parse func(args []string) (func(*ctx) error, error)
}

// localCommands run without a daemon (ctx.c is nil), e.g. writing a key
// file.
var localCommands = map[string]bool{}

// commands is the one list of gohactl's commands (usage, dispatch; the
// tests check gohactl(8), the completion and doc/json.md against it).
var commands = []command{
	{"status", "[--watch [--interval D]]", "node, ring, quorum, roles and the node table (like corosync-quorumtool -s; -m: --watch); exit 2 when not quorate", parseStatus},
	{"list", "", "every configured node: id, votes, state, role, name, address (like corosync-quorumtool -l)", noArgs(cmdList)},
	{"members", "", "the members of the current view with CMM roles and flags", noArgs(cmdMembers)},
	{"quorum", "", "votequorum figures of this node", noArgs(cmdQuorum)},
	{"master", "", "the CMM master (exit 1 when there is none)", noArgs(cmdMaster)},
	{"set-expected", "N", "set expected votes (votequorum_setexpected)", parseSetExpected},
	{"set-votes", "NODE N", "set the votes of a node, by name or id (votequorum_setvotes)", parseSetVotes},
	{"qualify", "NODE qualified|disqualified", "set a node's CMM qualification (on the master); waits until applied", parseQualify},
	{"release-mastership", "", "hand mastership to the vice-master (on the master); waits until done", noArgs(cmdRelease)},
	{"switchover", "[NODE]", "planned handover of the mastership (auto mode: the HA primary role) to NODE, an in-sync secondary in auto mode, or to the best candidate; from any member; waits until done", parseSwitchover},
	{"watch", "", "print membership, quorum, CMM and HA events until interrupted", noArgs(cmdWatch)},
	{"cdb get", "PATH", "print the config store value at PATH", parseCDBGet},
	{"cdb set", "PATH VALUE [TYPE]", "store VALUE (TYPE: string (default), buf, binary (VALUE in base64), int8..int64, uint8..uint64, double, bool, ipv4, ipv6)", parseCDBSet},
	{"cdb delete", "PATH", "remove the value at PATH", parseCDBDelete},
	{"cdb dump", "[PREFIX]", "every entry (under PREFIX): path, type, value", parseCDBDump},
	{"cdb watch", "[PREFIX] [--after TXID] [--count N]", "print each committed change under PREFIX, by txid, until interrupted or N transactions; --after TXID replays what followed TXID", parseCDBWatch},
	{"ha status", "", "HA state, primary, secondaries and their lag", noArgs(cmdHAStatus)},
	{"ha be-primary", "", "make this node the HA primary (confd_ha_beprimary)", haNoArgs(haBePrimary)},
	{"ha be-secondary", "PRIMARY [--addr A] [--async]", "make this node a secondary of PRIMARY; waits for the initial sync unless --async", parseBeSecondary},
	{"ha be-relay", "", "make this secondary a relay (confd_ha_berelay)", haNoArgs(haBeRelay)},
	{"ha be-none", "", "leave HA: neither primary nor secondary (confd_ha_benone)", haNoArgs(haBeNone)},
	{"ha secondary-dead", "NODE", "tell this primary that secondary NODE is dead (confd_ha_secondary_dead)", parseSecondaryDead},
	{"ha force-primary", "NODE --allow-data-loss", "auto mode, no primary and none can be elected: make NODE the next primary; acknowledged commits only missing nodes hold are lost", parseForcePrimary},
}

func usageText() string {
	var b strings.Builder
	b.WriteString("usage: gohactl [--ipc ADDR] [--timeout D] [--json] COMMAND [ARGS]\n       gohactl --version | --help [COMMAND]\n\ncommands:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	tw.Flush()
	b.WriteString("\n" + keygenUsage)
	b.WriteString(`
--ipc ADDR   control endpoint (default $GOHA_IPC, else unix:/var/run/goha/gohad.sock)
--timeout D  per-request timeout (default 5s)
--json       JSON output as documented in doc/json.md and gohactl(8)
-s, -l, -m   corosync-quorumtool's status, list and monitor
HA role commands take the HA token from $GOHA_HA_TOKEN, else from the
[ha] token of the config file --config FILE ($GOHA_CONFIG, else
/etc/goha/goha.toml).
exit status: 0 ok, 1 refused, 2 not quorate (status), 3 daemon unreachable,
4 timeout, 64 usage
`)
	return b.String()
}

// lookup finds the command for args (one or two words) and returns the
// rest of the arguments.
func lookup(args []string) (*command, []string, error) {
	for _, n := range []int{2, 1} {
		if len(args) < n {
			continue
		}
		name := strings.Join(args[:n], " ")
		for i := range commands {
			if commands[i].name == name {
				return &commands[i], args[n:], nil
			}
		}
	}
	if args[0] == "cdb" || args[0] == "ha" {
		var subs []string
		for _, c := range commands {
			if w, s, ok := strings.Cut(c.name, " "); ok && w == args[0] {
				subs = append(subs, s)
			}
		}
		return nil, nil, usageError{fmt.Sprintf("%s: want one of %s", args[0], strings.Join(subs, ", "))}
	}
	return nil, nil, usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func wantArgs(args []string, lo, hi int, synopsis string) error {
	if len(args) < lo || len(args) > hi {
		return usageError{fmt.Sprintf("wrong number of arguments: want %s", strings.TrimSpace(synopsis))}
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--") {
			return usageError{fmt.Sprintf("unknown option %s: want %s", a, strings.TrimSpace(synopsis))}
		}
	}
	return nil
}

func noArgs(fn func(*ctx) error) func([]string) (func(*ctx) error, error) {
	return func(args []string) (func(*ctx) error, error) {
		return fn, wantArgs(args, 0, 0, "no arguments")
	}
}

// nodeTable prints nodes in the one table layout gohactl uses (status,
// list): aligned columns, no trailing spaces.
func nodeTable(w io.Writer, st *client.Status, onlyMembers bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Nodeid\tVotes\tState\tRole\tFlags\tIncarnation\tName\tAddr")
	nodes := append([]client.NodeStatus(nil), st.Nodes...)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	for _, n := range nodes {
		if onlyMembers && n.SFlag&wire.CMMOutOfCluster != 0 {
			continue
		}
		name := n.Name
		if n.ID == st.NodeID {
			name += " (local)"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", n.ID, n.Votes, stateName(n.State), roleName(n.SFlag),
			flagText(cmmFlagList(n.SFlag)), n.Incarnation, name, n.Addr)
	}
	return tw.Flush()
}

func flagText(f []string) string {
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, ",")
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// writeStatus prints the status block (corosync-quorumtool -s layout, then
// goha's CMM section and the node table).
func writeStatus(w io.Writer, st *client.Status) error {
	nm := namesOf(st)
	q := st.Quorum
	fmt.Fprintf(w, "Quorum information\n------------------\n")
	fmt.Fprintf(w, "Date:             %s\n", time.Now().Format(time.ANSIC))
	fmt.Fprintf(w, "Cluster:          %s (domain %d)\n", st.Cluster, st.DomainID)
	fmt.Fprintf(w, "Nodes:            %d\n", len(st.Members))
	fmt.Fprintf(w, "Node ID:          %d (%s)\n", st.NodeID, st.NodeName)
	fmt.Fprintf(w, "Ring ID:          %x.%x\n", st.Ring.Rep, st.Ring.Seq)
	fmt.Fprintf(w, "Quorate:          %s\n", yesNo(q.Quorate))
	if st.Removed {
		fmt.Fprintf(w, "Removed:          yes (cmm_membership_remove; restart gohad to rejoin)\n")
	}
	fmt.Fprintf(w, "\nVotequorum information\n----------------------\n")
	fmt.Fprintf(w, "Expected votes:   %d\n", q.ExpectedVotes)
	fmt.Fprintf(w, "Highest expected: %d\n", q.HighestExpected)
	fmt.Fprintf(w, "Total votes:      %d\n", q.TotalVotes)
	blocked := ""
	if !q.Quorate {
		blocked = " Activity blocked"
	}
	fmt.Fprintf(w, "Quorum:           %d%s\n", q.Quorum, blocked)
	fmt.Fprintf(w, "%s\n", strings.TrimRight("Flags:            "+vqFlagText(q.Flags), " "))
	if q.QDeviceName != "" {
		fmt.Fprintf(w, "Qdevice:          %s (%d votes)\n", q.QDeviceName, q.QDeviceVotes)
	}
	fmt.Fprintf(w, "\nCMM information\n---------------\n")
	fmt.Fprintf(w, "Master:           %s\n", nm.label(st.Master))
	fmt.Fprintf(w, "Vice-master:      %s\n", nm.label(st.ViceMaster))
	fmt.Fprintf(w, "Incarnation:      %d\n", st.Incarnation)
	fmt.Fprintf(w, "\nMembership information\n----------------------\n")
	return nodeTable(w, st, false)
}

func parseStatus(args []string) (func(*ctx) error, error) {
	watch := false
	interval := 2 * time.Second
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--watch" || a == "-w":
			watch = true
		case a == "--interval" && i+1 < len(args):
			d, err := time.ParseDuration(args[i+1])
			if err != nil || d <= 0 {
				return nil, usageError{fmt.Sprintf("--interval %q: want a duration such as 2s", args[i+1])}
			}
			interval = d
			i++
		default:
			return nil, usageError{fmt.Sprintf("status: unknown argument %q: want [--watch [--interval D]]", a)}
		}
	}
	if watch {
		return func(x *ctx) error { return statusWatch(x, interval) }, nil
	}
	return cmdStatus, nil
}

func cmdStatus(x *ctx) error {
	st, err := x.c.Status()
	if err != nil {
		return err
	}
	if x.o.json {
		err = x.print(statusOf(st))
	} else {
		err = writeStatus(x.w, st)
	}
	if err == nil && !st.Quorum.Quorate {
		return errNotQuorate
	}
	return err
}

func cmdList(x *ctx) error {
	st, err := x.c.Status()
	if err != nil {
		return err
	}
	if x.o.json {
		return x.print(nodesJSON{nodesOf(st)})
	}
	fmt.Fprintf(x.w, "\nMembership information\n----------------------\n")
	return nodeTable(x.w, st, false)
}

func cmdMembers(x *ctx) error {
	ms, err := x.c.Members(false)
	if err != nil {
		return err
	}
	if x.o.json {
		out := membersJSON{Members: []memberJSON{}}
		for i := range ms {
			out.Members = append(out.Members, memberOf(&ms[i]))
		}
		return x.print(out)
	}
	tw := tabwriter.NewWriter(x.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Nodeid\tRole\tFlags\tIncarnation\tName\tAddr")
	for _, m := range ms {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", m.NodeID, roleName(m.SFlag), flagText(cmmFlagList(m.SFlag)), m.Incarnation, m.Name, m.Addr)
	}
	return tw.Flush()
}

func cmdQuorum(x *ctx) error {
	info, err := x.c.QuorumInfo(0)
	if err != nil {
		return err
	}
	if x.o.json {
		return x.print(vqInfoOf(info))
	}
	fmt.Fprintf(x.w, "Node ID:          %d\n", info.NodeID)
	fmt.Fprintf(x.w, "Node state:       %s\n", stateName(info.NodeState))
	fmt.Fprintf(x.w, "Node votes:       %d\n", info.NodeVotes)
	fmt.Fprintf(x.w, "Expected votes:   %d\n", info.NodeExpected)
	fmt.Fprintf(x.w, "Highest expected: %d\n", info.HighestExpected)
	fmt.Fprintf(x.w, "Total votes:      %d\n", info.TotalVotes)
	fmt.Fprintf(x.w, "Quorum:           %d\n", info.Quorum)
	fmt.Fprintf(x.w, "Quorate:          %s\n", yesNo(info.Flags&wire.VQQuorate != 0))
	fmt.Fprintf(x.w, "%s\n", strings.TrimRight("Flags:            "+vqFlagText(info.Flags), " "))
	if info.QDeviceName != "" {
		fmt.Fprintf(x.w, "Qdevice:          %s (%d votes)\n", info.QDeviceName, info.QDeviceVotes)
	}
	return nil
}

func cmdMaster(x *ctx) error {
	m, err := x.c.Master()
	if err != nil {
		return err
	}
	if x.o.json {
		return x.print(memberOf(m))
	}
	fmt.Fprintf(x.w, "%d %s\n", m.NodeID, m.Name)
	return nil
}

func printOK(x *ctx, format string, args ...any) error {
	if x.o.json {
		return x.print(okJSON{OK: true})
	}
	_, err := fmt.Fprintf(x.w, format+"\n", args...)
	return err
}

func parseSetExpected(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 1, 1, "N"); err != nil {
		return nil, err
	}
	n, err := parseU32("N", args[0])
	if err != nil {
		return nil, err
	}
	return func(x *ctx) error {
		if err := x.c.SetExpected(n); err != nil {
			return err
		}
		return printOK(x, "expected votes set to %d", n)
	}, nil
}

func parseSetVotes(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 2, 2, "NODE N"); err != nil {
		return nil, err
	}
	n, err := parseU32("N", args[1])
	if err != nil {
		return nil, err
	}
	return func(x *ctx) error {
		id, nm, err := resolveNode(x, args[0])
		if err != nil {
			return err
		}
		if err := x.c.SetVotes(id, n); err != nil {
			return err
		}
		return printOK(x, "votes of %s set to %d", nm.label(id), n)
	}, nil
}

func parseQualify(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 2, 2, "NODE qualified|disqualified"); err != nil {
		return nil, err
	}
	var qualif int32
	switch args[1] {
	case "qualified":
		qualif = wire.QualifQualified
	case "disqualified":
		qualif = wire.QualifDisqualified
	default:
		return nil, usageError{"qualify: the level must be qualified or disqualified, not " + fmt.Sprintf("%q", args[1])}
	}
	return func(x *ctx) error { return qualify(x, args[0], args[1], qualif) }, nil
}

// qualify sets the level and waits until this node's view shows it, so
// that the command's success means the change took effect.
func qualify(x *ctx, node, level string, qualif int32) error {
	id, nm, err := resolveNode(x, node)
	if err != nil {
		return err
	}
	if err := x.c.SetQualification(id, qualif); err != nil {
		return withMasterHint(x, err)
	}
	want := qualif == wire.QualifDisqualified
	err = waitStatus(x, fmt.Sprintf("%s %s", nm.label(id), level), func(st *client.Status) bool {
		for _, n := range st.Nodes {
			if n.ID == id {
				return (n.SFlag&wire.CMMDisqualified != 0) == want
			}
		}
		return false
	})
	if err != nil {
		return err
	}
	return printOK(x, "%s is now %s", nm.label(id), level)
}

// withMasterHint adds which node is the master to a "not on the master"
// refusal.
func withMasterHint(x *ctx, err error) error {
	ce, ok := err.(*client.Error)
	if !ok || ce.Code != wire.CodePerm {
		return err
	}
	st, serr := x.c.Status()
	if serr != nil || st.Master == 0 {
		return err
	}
	msg := ce.Msg
	if msg == "" {
		msg = ce.Code.String()
	}
	return &client.Error{Op: ce.Op, Code: ce.Code, Msg: fmt.Sprintf("%s: run it on the master, %s", msg, namesOf(st).label(st.Master))}
}

// waitStatus polls the daemon's status until cond holds, within the
// command timeout.
func waitStatus(x *ctx, what string, cond func(*client.Status) bool) error {
	deadline := time.Now().Add(x.o.timeout)
	for {
		st, err := x.c.Status()
		if err != nil {
			return err
		}
		if cond(st) {
			return nil
		}
		if time.Now().After(deadline) {
			return timeoutError{fmt.Sprintf("accepted, but %s is not in effect after %v (see gohactl watch and the logs)", what, x.o.timeout)}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cmdRelease(x *ctx) error {
	before, err := x.c.Status()
	if err != nil {
		return err
	}
	if err := x.c.ReleaseMastership(); err != nil {
		return withMasterHint(x, err)
	}
	old := before.Master
	var now *client.Status
	err = waitStatus(x, "the handover", func(st *client.Status) bool {
		now = st
		return st.Master != 0 && st.Master != old
	})
	if err != nil {
		return err
	}
	return printOK(x, "mastership moved from %s to %s", namesOf(now).label(old), namesOf(now).label(now.Master))
}

func parseSwitchover(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 0, 1, "[NODE]"); err != nil {
		return nil, err
	}
	target := ""
	if len(args) == 1 {
		target = args[0]
	}
	return func(x *ctx) error {
		before, err := x.c.Status()
		if err != nil {
			return err
		}
		if err := x.c.Switchover(target); err != nil {
			return withMasterHint(x, err)
		}
		old := before.Master
		var now *client.Status
		err = waitStatus(x, "the switchover", func(st *client.Status) bool {
			now = st
			return st.Master != 0 && st.Master != old && (target == "" || namesOf(st)[st.Master] == target)
		})
		if err != nil {
			return err
		}
		return printOK(x, "mastership moved from %s to %s", namesOf(now).label(old), namesOf(now).label(now.Master))
	}, nil
}

func parseForcePrimary(args []string) (func(*ctx) error, error) {
	var node string
	allow := false
	for _, a := range args {
		switch {
		case a == "--allow-data-loss":
			allow = true
		case strings.HasPrefix(a, "-"):
			return nil, usageError{fmt.Sprintf("unknown option %s: want NODE --allow-data-loss", a)}
		case node == "":
			node = a
		default:
			return nil, usageError{"want NODE --allow-data-loss"}
		}
	}
	if node == "" || !allow {
		return nil, usageError{"want NODE --allow-data-loss: forcing a primary loses the acknowledged commits only the missing nodes hold"}
	}
	return func(x *ctx) error {
		if err := x.c.ForcePrimary(node, true); err != nil {
			return err
		}
		return printOK(x, "%s forced to be the next primary (acknowledged commits only missing nodes held are lost)", node)
	}, nil
}
