package main

// gohactl watch and status --watch.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

var cmmChangeNames = map[uint32]string{
	wire.CMMMasterElected: "master_elected", wire.CMMMasterDemoted: "master_demoted",
	wire.CMMViceMasterElected: "vice_master_elected", wire.CMMViceMasterDemoted: "vice_master_demoted",
	wire.CMMMemberJoined: "member_joined", wire.CMMMemberLeft: "member_left",
	wire.CMMStaleCluster: "stale_cluster", wire.CMMInvalidCluster: "invalid_cluster", wire.CMMValidCluster: "valid_cluster",
}

// haEventNames are CONFD_HA_INFO_* in snake_case.
var haEventNames = map[int]string{
	1: "no_primary", 2: "secondary_died", 3: "secondary_arrived", 4: "secondary_initialized",
	5: "is_primary", 6: "is_none", 7: "be_secondary_result",
}

func nameOr(m map[uint32]string, k uint32) string {
	if n, ok := m[k]; ok {
		return n
	}
	return fmt.Sprintf("code_%d", k)
}

func (nm names) list(ids []uint32) string {
	var s []string
	for _, id := range ids {
		s = append(s, nm.label(id))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// eventOf renders one event as its JSON object and its text line. lastRing
// is the ring of the previous view event (nil before the first): a view
// event on the same ring is a change of roles or quorum only (for example
// a master elected once the old master's lease has ended), shown as
// "roles" so that one membership change reads as one view.
func eventOf(ev client.Event, nm names, now time.Time, lastRing *wire.RingID) (map[string]any, string) {
	m := map[string]any{"seq": ev.Seq, "time": timeOf(now)}
	var text string
	switch {
	case ev.View != nil && lastRing != nil && *lastRing == ev.View.Ring:
		v := ev.View
		r := ringOf(v.Ring)
		m["event"], m["ring"], m["quorate"] = "roles", r, v.Quorate
		m["master"], m["vice_master"] = nm.ref(v.Master), nm.ref(v.ViceMaster)
		q := "quorate"
		if !v.Quorate {
			q = "NOT quorate"
		}
		text = fmt.Sprintf("roles %s: master %s, vice-master %s; %s", r.ID, nm.label(v.Master), nm.label(v.ViceMaster), q)
	case ev.View != nil:
		v := ev.View
		members := v.Members
		if members == nil {
			members = []uint32{}
		}
		r := ringOf(v.Ring)
		m["event"], m["ring"], m["members"], m["quorate"] = "view", r, members, v.Quorate
		m["master"], m["vice_master"] = nm.ref(v.Master), nm.ref(v.ViceMaster)
		q := "quorate"
		if !v.Quorate {
			q = "NOT quorate"
		}
		text = fmt.Sprintf("view %s: members %s; %s; master %s, vice-master %s", r.ID, nm.list(members), q, nm.label(v.Master), nm.label(v.ViceMaster))
	case ev.NodeList != nil:
		nodes := ev.NodeList.Nodes
		if nodes == nil {
			nodes = []uint32{}
		}
		r := ringOf(ev.NodeList.Ring)
		m["event"], m["ring"], m["nodes"] = "nodelist", r, nodes
		text = fmt.Sprintf("nodelist %s: %s", r.ID, nm.list(nodes))
	case ev.Quorum != nil:
		nodes := []eventNodeJSON{}
		var parts []string
		for _, n := range ev.Quorum.Nodes {
			nodes = append(nodes, eventNodeJSON{ID: n.ID, Name: nm[n.ID], State: stateName(n.State), StateCode: n.State})
			parts = append(parts, nm.label(n.ID)+" "+stateName(n.State))
		}
		m["event"], m["quorate"], m["nodes"] = "quorum", ev.Quorum.Quorate, nodes
		text = fmt.Sprintf("quorum: quorate %s; %s", yesNo(ev.Quorum.Quorate), strings.Join(parts, ", "))
	case ev.Expected != nil:
		m["event"], m["expected_votes"] = "expected", ev.Expected.Expected
		text = fmt.Sprintf("expected votes: %d", ev.Expected.Expected)
	case ev.CMM != nil:
		name := nameOr(cmmChangeNames, ev.CMM.Change)
		m["event"], m["change"], m["change_code"], m["node"] = "cmm", name, ev.CMM.Change, nm.ref(ev.CMM.Node)
		text = fmt.Sprintf("cmm %s: %s", name, nm.label(ev.CMM.Node))
	default:
		return otherEvent(ev, nm, m)
	}
	return m, text
}

// otherEvent renders events of kinds without a typed field in
// client.Event: member flag changes, HA notifications, and kinds this
// gohactl does not know (their body as a JSON object under "data").
func otherEvent(ev client.Event, nm names, m map[string]any) (map[string]any, string) {
	switch ev.Kind {
	case wire.EvMember:
		var me wire.MemberEvent
		if err := wire.DecodeBody(ev.Raw, &me); err == nil {
			f := cmmFlagList(me.SFlag)
			m["event"], m["node"], m["cmm_flags"], m["sflag"] = "member", nm.ref(me.Node), f, me.SFlag
			return m, fmt.Sprintf("member %s: %s", nm.label(me.Node), flagText(f))
		}
	case wire.EvHA:
		if he, err := client.HAEventOf(ev); err == nil {
			name := haEventNames[he.Type]
			if name == "" {
				name = fmt.Sprintf("type_%d", he.Type)
			}
			m["event"], m["type"], m["type_code"], m["value"] = "ha", name, he.Type, he.Value
			m["node"] = nil
			text := "ha " + name
			if he.Node.Name != "" {
				m["node"] = haNodeJSON{he.Node.Name, he.Node.Addr}
				text += fmt.Sprintf(": %s (%s)", he.Node.Name, he.Node.Addr)
			}
			if he.Type == 1 || he.Type == 4 || he.Type == 7 {
				text += fmt.Sprintf(" value %d", he.Value)
			}
			return m, text
		}
	}
	var data map[string]any
	if err := msgpack.Unmarshal(ev.Raw, &data); err != nil || data == nil {
		data = map[string]any{}
	}
	m["event"], m["data"] = ev.Kind, data
	b, _ := json.Marshal(data)
	return m, fmt.Sprintf("%s %s", ev.Kind, b)
}

// interrupted is closed on SIGINT or SIGTERM.
func interrupted() (<-chan os.Signal, func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	return sig, func() { signal.Stop(sig) }
}

func cmdWatch(x *ctx) error {
	st, err := x.c.Status()
	if err != nil {
		return err
	}
	nm := namesOf(st)
	if _, err := x.c.Subscribe(wire.TopicAll, wire.TopicView); err != nil {
		return err
	}
	if err := x.c.HANotify(false); err != nil {
		return err
	}
	sig, stop := interrupted()
	defer stop()
	enc := json.NewEncoder(x.w)
	var lastRing *wire.RingID
	for {
		select {
		case <-sig:
			return nil
		case ev, ok := <-x.c.Events():
			if !ok {
				return x.c.Err()
			}
			now := time.Now()
			m, text := eventOf(ev, nm, now, lastRing)
			if ev.View != nil {
				r := ev.View.Ring
				lastRing = &r
			}
			if x.o.json {
				if err := enc.Encode(m); err != nil {
					return err
				}
				continue
			}
			if _, err := fmt.Fprintf(x.w, "%s %s\n", now.Format("15:04:05.000"), text); err != nil {
				return err
			}
		}
	}
}

// isTerminal reports whether w is a terminal (then status --watch redraws
// in place).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// statusWatch redraws the status at every event and every interval, like
// corosync-quorumtool -m and crm_mon: in place on a terminal, as blocks
// separated by a blank line otherwise (JSON: one status object per line).
func statusWatch(x *ctx, interval time.Duration) error {
	if _, err := x.c.Subscribe(wire.TopicAll, 0); err != nil {
		return err
	}
	sig, stop := interrupted()
	defer stop()
	tty := isTerminal(x.w)
	t := time.NewTicker(interval)
	defer t.Stop()
	enc := json.NewEncoder(x.w)
	first := true
	for {
		st, err := x.c.Status()
		if err != nil {
			return err
		}
		switch {
		case x.o.json:
			err = enc.Encode(statusOf(st))
		case tty:
			fmt.Fprint(x.w, "\x1b[H\x1b[2J")
			err = writeStatus(x.w, st)
		default:
			if !first {
				fmt.Fprintln(x.w)
			}
			err = writeStatus(x.w, st)
		}
		if err != nil {
			return err
		}
		first = false
		select {
		case <-sig:
			return nil
		case _, ok := <-x.c.Events():
			if !ok {
				return x.c.Err()
			}
			drain(x.c.Events())
		case <-t.C:
		}
	}
}

// drain discards events already queued, so one redraw covers a burst.
func drain(ch <-chan client.Event) {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		default:
			return
		}
	}
}
