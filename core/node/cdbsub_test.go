package node

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

func nextChange(t *testing.T, c *client.Client) client.ChangeEvent {
	t.Helper()
	select {
	case ev, ok := <-c.Events():
		if !ok {
			t.Fatalf("connection closed: %v", c.Err())
		}
		e, err := client.ChangeEventOf(ev)
		if err != nil {
			t.Fatal(err)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no change event")
	}
	return client.ChangeEvent{}
}

func changeStrings(e client.ChangeEvent) []string {
	var out []string
	for _, c := range e.Changes {
		switch {
		case c.Old.Type() == 0:
			out = append(out, "+"+c.Path+"="+c.New.String())
		case c.New.Type() == 0:
			out = append(out, "-"+c.Path)
		default:
			out = append(out, "~"+c.Path+"="+c.New.String())
		}
	}
	return out
}

// A watch sees each transaction under its prefix once, in txid order, on
// the primary and on a secondary; a watch that resumes after its last
// txid gets what it missed; an unknown position gets a resync notice.
func TestCDBWatchPrimaryAndSecondary(t *testing.T) {
	aAddr, bAddr := twoNodes(t)
	ha, hb := dialT(t, aAddr), dialT(t, bAddr)
	for _, c := range []*client.Client{ha, hb} {
		if err := c.HAConnect("tok"); err != nil {
			t.Fatal(err)
		}
	}
	if err := ha.BePrimary("a"); err != nil {
		t.Fatal(err)
	}
	if err := hb.BeSecondary("b", "a", "", true); err != nil {
		t.Fatal(err)
	}
	wa, wb := dialT(t, aAddr), dialT(t, bAddr)
	if _, err := wa.CDBWatch("/w/", false, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := wb.CDBWatch("/w/", false, 0); err != nil {
		t.Fatal(err)
	}
	var txids []uint64
	for i := range 5 {
		tx, err := ha.CDBSet(fmt.Sprintf("/w/%d", i), store.Int32(int32(i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ha.CDBSet("/other", store.Int32(int32(i))); err != nil { // not under /w/
			t.Fatal(err)
		}
		txids = append(txids, tx)
	}
	if _, err := ha.CDBDelete("/w/0"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*client.Client{wa, wb} {
		for i, tx := range txids {
			e := nextChange(t, w)
			if e.Txid != tx || e.Prev != tx-1 || e.Resync || !reflect.DeepEqual(changeStrings(e), []string{fmt.Sprintf("+/w/%d=%d", i, i)}) {
				t.Fatalf("event %d: %+v (%v), want txid %d", i, e, changeStrings(e), tx)
			}
		}
		if e := nextChange(t, w); !reflect.DeepEqual(changeStrings(e), []string{"-/w/0"}) {
			t.Fatalf("delete event: %v", changeStrings(e))
		}
	}
	// Resume: a new connection after txids[1] replays 2, 3, 4 and the delete.
	wr := dialT(t, bAddr)
	if got, err := wr.CDBWatch("/w/", true, txids[1]); err != nil || got != txids[1] {
		t.Fatalf("resume: %d %v", got, err)
	}
	for _, tx := range txids[2:] {
		if e := nextChange(t, wr); e.Txid != tx {
			t.Fatalf("replayed txid %d, want %d", e.Txid, tx)
		}
	}
	nextChange(t, wr)
	// A position the node never had: re-read.
	wx := dialT(t, aAddr)
	if _, err := wx.CDBWatch("", true, 99999); err != nil {
		t.Fatal(err)
	}
	if e := nextChange(t, wx); !e.Resync {
		t.Fatalf("unknown position: %+v", e)
	}
	if _, err := wx.CDBWatch("nope", false, 0); client.CodeOf(err) != wire.CodeBadPath {
		t.Fatalf("bad prefix: %v", err)
	}
}

// ConfD subscription ops over the control protocol: a commit waits for
// the subscriber's sync; diff, exists and set_text work.
func TestCDBSubscriptionSocket(t *testing.T) {
	aAddr, _ := twoNodes(t)
	w := dialT(t, aAddr)
	sub := dialT(t, aAddr)
	var pt wire.CDBPoint
	if err := sub.Call(wire.OpCDBSubscribe, &wire.CDBSubscribeArg{Priority: 5, Path: "/hosts/host"}, &pt); err != nil {
		t.Fatal(err)
	}
	if err := sub.Call(wire.OpCDBSubscribe, &wire.CDBSubscribeArg{Path: "/hosts/host{"}, nil); client.CodeOf(err) != wire.CodeBadPath {
		t.Fatalf("bad pattern: %v", err)
	}
	if err := sub.Call(wire.OpCDBDiff, &wire.CDBDiffArg{Point: pt.ID}, nil); client.CodeOf(err) != wire.CodeBadState {
		t.Fatalf("diff before any notification: %v", err)
	}
	if err := sub.Call(wire.OpCDBSubDone, nil, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan uint64, 1)
	go func() {
		tx, err := w.CDBSet("/hosts/host{a}/ip", store.String("10.0.0.1"))
		if err != nil {
			t.Error(err)
		}
		done <- tx
	}()
	var ev wire.CDBSubEvent
	select {
	case e := <-sub.Events():
		if e.Kind != wire.EvCDBSub || wire.DecodeBody(e.Raw, &ev) != nil {
			t.Fatalf("event %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}
	if !reflect.DeepEqual(ev.Points, []int{pt.ID}) || ev.Flags != 1 || ev.Txid != 1 {
		t.Fatalf("notification %+v", ev)
	}
	select {
	case <-done:
		t.Fatal("commit completed before the subscriber synced")
	default:
	}
	var d wire.CDBDiff
	if err := sub.Call(wire.OpCDBDiff, &wire.CDBDiffArg{Point: pt.ID}, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Nodes) != 2 || d.Nodes[0].Path != "/hosts/host{a}" || d.Nodes[0].Op != 1 || d.Nodes[1].Depth != 1 {
		t.Fatalf("diff %+v", d.Nodes)
	}
	if err := sub.Call(wire.OpCDBSync, &wire.CDBSyncArg{Type: 4}, nil); client.CodeOf(err) != wire.CodeUsage {
		t.Fatalf("DONE_OPERATIONAL: %v", err)
	}
	if err := sub.Call(wire.OpCDBSync, &wire.CDBSyncArg{Type: 1}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case tx := <-done:
		if tx != 1 {
			t.Fatalf("txid %d", tx)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("commit never completed")
	}
	for path, want := range map[string]bool{"/hosts": true, "/hosts/host{a}": true, "/hosts/host{a}/ip": true, "/hosts/host": false, "/hosts/host{a}/ipx": false} {
		if got, err := w.CDBExists(path); err != nil || got != want {
			t.Fatalf("exists %s = %v %v", path, got, err)
		}
	}
	sub.Close() // a gone subscriber does not hold commits
	if _, err := w.CDBSet("/hosts/host{b}/port", store.Uint16(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CDBSetText("/hosts/host{b}/port", "8080"); err != nil {
		t.Fatal(err)
	}
	if v, err := w.CDBGet("/hosts/host{b}/port"); err != nil || v.Type() != store.TypeUint16 || v.Uint() != 8080 {
		t.Fatalf("set_text kept the type: %v %v", v, err)
	}
	if _, err := w.CDBSetText("/hosts/host{b}/port", "x"); client.CodeOf(err) != wire.CodeBadValue {
		t.Fatalf("set_text of a bad number: %v", err)
	}
}
