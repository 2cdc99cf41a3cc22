package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
)

// TestTranscripts runs the scenarios of testdata/*.txt through the
// simulator (no packet loss, no clock drift unless asked): each directive
// is handled by one function of handlers. Regenerate with -rewrite, then
// read the diff.
func TestTranscripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		h := &harness{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			f, ok := handlers[d.Cmd]
			if !ok {
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			}
			if h.c == nil && d.Cmd != "cluster" {
				t.Fatalf("%s: %q before cluster", d.Pos, d.Cmd)
			}
			var out strings.Builder
			h.out = &out
			if err := f(h, t, d); err != nil {
				fmt.Fprintf(&out, "error: %v\n", err)
			}
			if h.c != nil && h.c.check.err != nil {
				t.Fatalf("%s: %v", d.Pos, h.c.check.err)
			}
			return out.String()
		})
	})
}

type harness struct {
	c     *Cluster
	out   *strings.Builder
	watch []membership.NodeID // nil: all nodes
	quiet int                 // ticks without events that end stabilize
}

var handlers = map[string]func(*harness, *testing.T, *datadriven.TestData) error{
	"cluster":            (*harness).cmdCluster,
	"start":              (*harness).cmdRestart,
	"restart":            (*harness).cmdRestart,
	"crash":              (*harness).cmdCrash,
	"run":                (*harness).cmdRun,
	"stabilize":          (*harness).cmdStabilize,
	"partition":          (*harness).cmdPartition,
	"cut":                (*harness).cmdCut,
	"heal":               (*harness).cmdHeal,
	"watch":              (*harness).cmdWatch,
	"status":             (*harness).cmdStatus,
	"set-qualif":         (*harness).cmdAdmin,
	"seize-qualif":       (*harness).cmdAdmin,
	"set-synchronized":   (*harness).cmdAdmin,
	"release-mastership": (*harness).cmdAdmin,
	"remove":             (*harness).cmdAdmin,
	"leave":              (*harness).cmdAdmin,
	"set-expected":       (*harness).cmdAdmin,
	"set-votes":          (*harness).cmdAdmin,
	"debug":              (*harness).cmdDebug,
}

// cmdDebug dumps internal state (for investigating; not used in the
// committed transcripts since the format is not stable).
func (h *harness) cmdDebug(t *testing.T, d *datadriven.TestData) error {
	for _, id := range ids(d) {
		if n := h.c.Node(id); n != nil {
			h.out.WriteString(n.Debug())
		}
	}
	return nil
}

// ids parses the bare numeric arguments of a directive ("crash 2 3").
func ids(d *datadriven.TestData) []membership.NodeID {
	var out []membership.NodeID
	for _, a := range d.CmdArgs {
		if v, err := strconv.Atoi(a.Key); err == nil && len(a.Vals) == 0 {
			out = append(out, membership.NodeID(v))
		}
	}
	return out
}

func intArg(t *testing.T, d *datadriven.TestData, key string, def int) int {
	v := def
	if d.HasArg(key) {
		d.ScanArgs(t, key, &v)
	}
	return v
}

func (h *harness) cmdCluster(t *testing.T, d *datadriven.TestData) error {
	o := DefaultOptions(uint64(intArg(t, d, "seed", 1)), intArg(t, d, "nodes", 3))
	o.MaxDriftPPM = intArg(t, d, "drift", 0)
	o.HeartbeatTicks = intArg(t, d, "heartbeat", 2)
	o.FailureTicks = intArg(t, d, "failure", 8)
	o.LMSWindowTicks = intArg(t, d, "lms_window", 0)
	o.QuietDelay = 300
	if d.HasArg("ineligible") {
		d.ScanArgs(t, "ineligible", &o.IneligibleIDs)
	}
	if d.HasArg("down") {
		d.ScanArgs(t, "down", &o.Down)
	}
	q := &o.Quorum
	q.TwoNode = d.HasArg("two_node")
	if d.HasArg("wait_for_all") {
		q.WaitForAll, q.WaitForAllSet = true, true
	}
	q.LastManStanding = d.HasArg("last_man_standing")
	if d.HasArg("atb") {
		q.AutoTieBreaker = quorum.ATBLowest
	}
	q.AllowDownscale = d.HasArg("allow_downscale")
	q.ExpectedVotes = uint32(intArg(t, d, "expected_votes", 0))
	c, err := NewCluster(o)
	if err != nil {
		return err
	}
	c.OnEvent = h.onEvent
	h.c = c
	h.watch = nil
	cfg := c.Config(1)
	h.quiet = int(membership.FenceTicks(cfg)) + o.FailureTicks + 4
	fmt.Fprintf(h.out, "%d nodes, heartbeat %d ticks, failure %d ticks, fence %d ticks\n",
		o.Nodes, o.HeartbeatTicks, o.FailureTicks, membership.FenceTicks(cfg))
	return nil
}

func (h *harness) onEvent(id membership.NodeID, e membership.Event) {
	if h.watch != nil && !slices.Contains(h.watch, id) {
		return
	}
	fmt.Fprintf(h.out, "t=%d n%d: ", h.c.Now/TickUnits, id)
	switch e.Kind {
	case membership.EventViewInstalled:
		fmt.Fprintf(h.out, "view %s members %v\n", e.Ring, e.Members)
	case membership.EventExpectedVotes:
		fmt.Fprintf(h.out, "expected votes %d\n", e.Expected)
	case membership.EventQuorum:
		fmt.Fprintf(h.out, "quorate=%t\n", e.Quorate)
	case membership.EventCMM:
		fmt.Fprintf(h.out, "%s(%d)\n", e.Change, e.Node)
	}
}

func (h *harness) cmdRestart(t *testing.T, d *datadriven.TestData) error {
	for _, id := range ids(d) {
		if err := h.c.Restart(id); err != nil {
			return err
		}
		fmt.Fprintf(h.out, "n%d started, incarnation %d\n", id, h.c.Node(id).Status().Incarnation)
	}
	return nil
}

func (h *harness) cmdCrash(t *testing.T, d *datadriven.TestData) error {
	for _, id := range ids(d) {
		h.c.Crash(id, d.HasArg("wipe"))
	}
	return nil
}

func (h *harness) cmdRun(t *testing.T, d *datadriven.TestData) error {
	return h.c.RunTicks(intArg(t, d, "ticks", 1))
}

// cmdStabilize runs until no node emitted an event for the quiet time
// (fence + failure + 4 ticks), at most max ticks.
func (h *harness) cmdStabilize(t *testing.T, d *datadriven.TestData) error {
	limit := intArg(t, d, "max", 300)
	idle := 0
	for i := 0; i < limit; i++ {
		before := h.out.Len()
		if err := h.c.RunTicks(1); err != nil {
			return err
		}
		if h.out.Len() == before {
			idle++
			if idle >= h.quiet {
				return nil
			}
		} else {
			idle = 0
		}
	}
	return fmt.Errorf("not stable after %d ticks", limit)
}

func (h *harness) cmdPartition(t *testing.T, d *datadriven.TestData) error {
	var groups [][]uint32
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		var g []uint32
		for _, f := range strings.Fields(line) {
			v, err := strconv.Atoi(f)
			if err != nil {
				return err
			}
			g = append(g, uint32(v))
		}
		groups = append(groups, g)
	}
	h.c.Net.Partition(groups)
	return nil
}

func (h *harness) cmdCut(t *testing.T, d *datadriven.TestData) error {
	var from, to int
	d.ScanArgs(t, "from", &from)
	d.ScanArgs(t, "to", &to)
	h.c.Net.Cut(uint32(from), uint32(to))
	return nil
}

func (h *harness) cmdHeal(t *testing.T, d *datadriven.TestData) error {
	h.c.Net.HealAll()
	return nil
}

func (h *harness) cmdWatch(t *testing.T, d *datadriven.TestData) error {
	h.watch = ids(d)
	return nil
}

// cmdAdmin makes one administrative call on node "on".
func (h *harness) cmdAdmin(t *testing.T, d *datadriven.TestData) error {
	var on int
	d.ScanArgs(t, "on", &on)
	n := h.c.Node(membership.NodeID(on))
	if n == nil {
		return fmt.Errorf("n%d is down", on)
	}
	var err error
	switch d.Cmd {
	case "set-qualif":
		var node int
		var q bool
		d.ScanArgs(t, "node", &node)
		d.ScanArgs(t, "qualified", &q)
		err = n.SetQualification(membership.NodeID(node), q)
	case "seize-qualif":
		err = n.SeizeQualification()
	case "set-synchronized":
		var v bool
		d.ScanArgs(t, "value", &v)
		err = n.SetSynchronized(v)
	case "release-mastership":
		err = n.ReleaseMastership()
	case "remove":
		err = n.RemoveSelf()
	case "leave":
		n.Leave()
	case "set-expected":
		var v int
		d.ScanArgs(t, "value", &v)
		err = n.SetExpected(uint32(v))
	case "set-votes":
		var node, v int
		d.ScanArgs(t, "node", &node)
		d.ScanArgs(t, "value", &v)
		err = n.SetVotes(membership.NodeID(node), uint32(v))
	}
	h.c.drain(h.c.nodes[on-1])
	if err != nil {
		return err
	}
	fmt.Fprintf(h.out, "ok\n")
	return nil
}

func sflags(f uint32) string {
	var s []string
	for _, b := range []struct {
		bit  uint32
		name string
	}{{membership.SFlagMaster, "MASTER"}, {membership.SFlagViceMaster, "VICE"}, {membership.SFlagOutOfCluster, "OUT"},
		{membership.SFlagEligible, "ELIGIBLE"}, {membership.SFlagDisqualified, "DISQUALIFIED"},
		{membership.SFlagSynchroNeeded, "SYNCHRO_NEEDED"}} {
		if f&b.bit != 0 {
			s = append(s, b.name)
		}
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, "|")
}

func (h *harness) cmdStatus(t *testing.T, d *datadriven.TestData) error {
	which := ids(d)
	for _, sn := range h.c.nodes {
		if len(which) > 0 && !slices.Contains(which, sn.id) {
			continue
		}
		if sn.node == nil {
			fmt.Fprintf(h.out, "n%d: down\n", sn.id)
			continue
		}
		st := sn.node.Status()
		q := st.Quorum
		fmt.Fprintf(h.out, "n%d: inc=%d ring=%s members=%v quorate=%t quorum=%d total=%d expected=%d master=%d vice=%d\n",
			sn.id, st.Incarnation, st.Ring, st.Members, q.Flags&quorum.InfoQuorate != 0, q.Quorum, q.TotalVotes,
			q.ExpectedVotes, st.Master, st.Vice)
		var parts []string
		for _, m := range st.Nodes {
			parts = append(parts, fmt.Sprintf("%d=%s", m.ID, sflags(m.SFlag)))
		}
		fmt.Fprintf(h.out, "    %s\n", strings.Join(parts, " "))
	}
	return nil
}
