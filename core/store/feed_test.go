package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// changeText renders changes compactly: "+path=v", "-path(old)", "~path old->new".
func changeText(cs []Change) []string {
	var out []string
	for _, c := range cs {
		switch {
		case c.Created():
			out = append(out, fmt.Sprintf("+%s=%s", c.Path, c.New))
		case c.Deleted():
			out = append(out, fmt.Sprintf("-%s(%s)", c.Path, c.Old))
		default:
			out = append(out, fmt.Sprintf("~%s %s->%s", c.Path, c.Old, c.New))
		}
	}
	return out
}

func mustChanges(t *testing.T, s *Store, after uint64) []ChangeSet {
	t.Helper()
	sets, _, _, err := s.Changes(after)
	if err != nil {
		t.Fatalf("Changes(%d): %v", after, err)
	}
	return sets
}

func TestFeedNetChangesAndInteriorNodes(t *testing.T) {
	s := openTemp(t)
	if _, _, _, err := s.Changes(0); !errors.Is(err, ErrFeedOff) {
		t.Fatalf("Changes before EnableFeed: %v", err)
	}
	s.EnableFeed(0)
	if got := mustChanges(t, s, 0); len(got) != 0 {
		t.Fatalf("fresh store has changes %v", got)
	}
	must := func(_ Commit, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Batch([]Op{SetOp("/hosts/host{a}/ip", String("10.0.0.1")), SetOp("/hosts/host{a}/port", Uint16(22)), SetOp("/x", Int32(1))}))
	must(s.Batch([]Op{SetOp("/hosts/host{a}/ip", String("10.0.0.2")), SetOp("/hosts/host{b}/ip", String("10.0.0.3")),
		SetOp("/tmp", Int32(1)), DeleteOp("/tmp"), SetOp("/x", Int32(2)), SetOp("/x", Int32(1))}))
	must(s.Batch([]Op{DeleteOp("/hosts/host{a}/ip"), DeleteOp("/hosts/host{a}/port")}))
	must(s.Batch([]Op{DeleteOp("/hosts/host{b}/ip")}))
	sets := mustChanges(t, s, 0)
	want := []struct {
		changes            []string
		appeared, vanished []string
	}{
		{[]string{"+/hosts/host{a}/ip=10.0.0.1", "+/hosts/host{a}/port=22", "+/x=1"}, []string{"/hosts", "/hosts/host{a}"}, nil},
		// /tmp set and deleted, /x set back to its value: no net change.
		{[]string{"~/hosts/host{a}/ip 10.0.0.1->10.0.0.2", "+/hosts/host{b}/ip=10.0.0.3"}, []string{"/hosts/host{b}"}, nil},
		{[]string{"-/hosts/host{a}/ip(10.0.0.2)", "-/hosts/host{a}/port(22)"}, nil, []string{"/hosts/host{a}"}},
		{[]string{"-/hosts/host{b}/ip(10.0.0.3)"}, nil, []string{"/hosts", "/hosts/host{b}"}},
	}
	if len(sets) != len(want) {
		t.Fatalf("%d change sets, want %d", len(sets), len(want))
	}
	for i, cs := range sets {
		if cs.Txid != uint64(i+1) || cs.Prev != uint64(i) || cs.Reset || !cs.Complete {
			t.Fatalf("set %d: txid %d prev %d reset %v complete %v", i, cs.Txid, cs.Prev, cs.Reset, cs.Complete)
		}
		if got := changeText(cs.Changes); !reflect.DeepEqual(got, want[i].changes) {
			t.Fatalf("set %d changes %q, want %q", i, got, want[i].changes)
		}
		if !reflect.DeepEqual(cs.Appeared, want[i].appeared) || !reflect.DeepEqual(cs.Vanished, want[i].vanished) {
			t.Fatalf("set %d appeared %q vanished %q, want %q %q", i, cs.Appeared, cs.Vanished, want[i].appeared, want[i].vanished)
		}
	}
	if got := mustChanges(t, s, 2); len(got) != 2 || got[0].Txid != 3 {
		t.Fatalf("Changes(2): %+v", got)
	}
	if got := sets[0].Filter("/hosts/"); len(got) != 2 {
		t.Fatalf("Filter: %v", changeText(got))
	}
}

func TestFeedPositionsAndBudget(t *testing.T) {
	s := openTemp(t)
	for i := range 3 { // before the feed: not recorded
		if _, err := s.Set(fmt.Sprintf("/pre/%d", i), Int32(int32(i))); err != nil {
			t.Fatal(err)
		}
	}
	s.EnableFeed(4096)
	pos, seq, wake, err := s.FeedPosition()
	if err != nil || pos != 3 || seq != 0 {
		t.Fatalf("FeedPosition = %d %d, %v", pos, seq, err)
	}
	if got := mustChanges(t, s, 3); len(got) != 0 {
		t.Fatalf("up to date, got %d sets", len(got))
	}
	if _, _, _, err := s.Changes(2); !errors.Is(err, ErrResync) {
		t.Fatalf("Changes(2) before the history: %v, want ErrResync", err)
	}
	if _, err := s.Set("/a", String("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wake:
	default:
		t.Fatal("commit did not wake the feed's waiters")
	}
	if got := mustChanges(t, s, 3); len(got) != 1 || got[0].Txid != 4 || got[0].Seq != 1 {
		t.Fatalf("Changes(3) = %+v", got)
	}
	if got, _, err := s.ChangesSince(0); err != nil || len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("ChangesSince(0) = %+v, %v", got, err)
	}
	if got, _, err := s.ChangesSince(1); err != nil || len(got) != 0 {
		t.Fatalf("ChangesSince(1) = %+v, %v", got, err)
	}
	// Far past the budget: the oldest entries go, the newest stay.
	big := String(string(bytes.Repeat([]byte("v"), 1000)))
	for i := range 20 {
		if _, err := s.Set(fmt.Sprintf("/big/%d", i), big); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := s.Changes(4); !errors.Is(err, ErrResync) {
		t.Fatalf("Changes(4) after trimming: %v, want ErrResync", err)
	}
	if got := mustChanges(t, s, 23); len(got) != 1 || got[0].Txid != 24 {
		t.Fatalf("Changes(23) = %+v", got)
	}
	if got := mustChanges(t, s, 24); len(got) != 0 {
		t.Fatalf("Changes(24) = %+v", got)
	}
	if _, _, err := s.ChangesSince(1); !errors.Is(err, ErrResync) {
		t.Fatalf("ChangesSince(1) after trimming: %v", err)
	}
	if got, _, err := s.ChangesSince(20); err != nil || len(got) != 1 || got[0].Seq != 21 || got[0].Txid != 24 {
		t.Fatalf("ChangesSince(20) = %+v, %v", got, err)
	}
	if _, _, err := s.ChangesSince(22); !errors.Is(err, ErrResync) {
		t.Fatalf("ChangesSince(22) (the future): %v", err)
	}
	if _, _, _, err := s.Changes(99); !errors.Is(err, ErrResync) {
		t.Fatalf("Changes(99) (a future txid): %v", err)
	}
}

// A replica's feed reports the primary's commits, group-applied ones one by
// one; a full copy is one Reset holding the difference; a commit refused
// for a digest mismatch publishes nothing.
func TestFeedReplicaAndReset(t *testing.T) {
	p, r := openTemp(t), openTemp(t)
	r.EnableFeed(0)
	var cs []Commit
	for i := range 4 {
		c, err := p.Set(fmt.Sprintf("/k/%d", i), Int32(int32(i)))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	if err := r.Apply(cs[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.ApplyGroup(cs[1:3]); err != nil {
		t.Fatal(err)
	}
	bad := cs[3]
	bad.Digest[0] ^= 1
	if err := r.Apply(bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("diverged commit: %v", err)
	}
	sets := mustChanges(t, r, 0)
	if len(sets) != 3 || sets[2].Txid != 3 || changeText(sets[1].Changes)[0] != "+/k/1=1" {
		t.Fatalf("replica feed %+v", sets)
	}

	// The primary moves on; the replica (at 3, plus a local divergence)
	// receives a full copy.
	if _, err := p.Delete("/k/0"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Set("/k/1", Int32(100)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := p.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RestoreSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	sets = mustChanges(t, r, 3)
	if len(sets) != 1 || !sets[0].Reset || !sets[0].Complete || sets[0].Prev != 3 || sets[0].Txid != 6 {
		t.Fatalf("reset %+v", sets)
	}
	want := []string{"-/k/0(0)", "~/k/1 1->100", "+/k/3=3"}
	if got := changeText(sets[0].Changes); !reflect.DeepEqual(got, want) {
		t.Fatalf("reset changes %q, want %q", got, want)
	}
	// Commits after a reset follow it; resuming at the reset works.
	c, err := p.Set("/k/9", Int32(9))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(c); err != nil {
		t.Fatal(err)
	}
	if got := mustChanges(t, r, 6); len(got) != 1 || got[0].Txid != 7 {
		t.Fatalf("after the reset: %+v", got)
	}
}

// A copy that moves the txid backwards to one the history already has
// makes that position ambiguous; a copy too different to diff is
// incomplete.
func TestFeedResetAmbiguousAndIncomplete(t *testing.T) {
	p, r := openTemp(t), openTemp(t)
	r.EnableFeed(1 << 30)
	if _, err := p.Set("/a", Int32(1)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := r.Set(fmt.Sprintf("/own/%d", i), Int32(int32(i))); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := p.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RestoreSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.Changes(1); !errors.Is(err, ErrResync) {
		t.Fatalf("ambiguous position: %v", err)
	}
	sets := mustChanges(t, r, 3)
	if len(sets) != 1 || sets[0].Prev != 3 || sets[0].Txid != 1 || len(sets[0].Changes) != 4 {
		t.Fatalf("backwards reset %+v", sets)
	}
	if !reflect.DeepEqual(sets[0].Vanished, []string{"/own"}) {
		t.Fatalf("vanished %q", sets[0].Vanished)
	}

	ops := make([]Op, 0, MaxResetChanges+5)
	for i := range MaxResetChanges + 5 {
		ops = append(ops, SetOp(fmt.Sprintf("/many/%06d", i), Int32(int32(i))))
	}
	if _, err := p.Batch(ops); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if _, err := p.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RestoreSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	sets = mustChanges(t, r, 3) // 1 is ambiguous
	if len(sets) != 2 {
		t.Fatalf("%d sets after 3, want the two resets", len(sets))
	}
	if last := sets[1]; !last.Reset || last.Complete || last.Changes != nil || last.Prev != 1 || last.Txid != 2 {
		t.Fatalf("large reset: reset %v complete %v, %d changes, %d->%d", last.Reset, last.Complete, len(last.Changes), last.Prev, last.Txid)
	}
}

// The Reset of a copy that discards local transactions reports them as the
// caller staged them (the HA layer knows which), and its difference undoes
// them.
func TestFeedResetDiscarded(t *testing.T) {
	p, r := openTemp(t), openTemp(t)
	r.EnableFeed(0)
	c, err := p.Set("/k/a", Int32(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(c); err != nil {
		t.Fatal(err)
	}
	// The replica goes on alone (commit 2, never acknowledged); the
	// primary's own commit 2 differs.
	if _, err := r.Set("/k/b", Int32(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Set("/k/a", Int32(3)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := p.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	st, err := r.Stage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	st.Discarded = [2]uint64{2, 2}
	if err := r.Activate(st); err != nil {
		t.Fatal(err)
	}
	sets := mustChanges(t, r, 1)
	if len(sets) != 2 || sets[0].Reset || sets[0].Discarded != [2]uint64{} ||
		!sets[1].Reset || sets[1].Prev != 2 || sets[1].Txid != 2 || sets[1].Discarded != [2]uint64{2, 2} {
		t.Fatalf("commit and reset %+v", sets)
	}
	want := []string{"~/k/a 1->3", "-/k/b(2)"}
	if got := changeText(sets[1].Changes); !reflect.DeepEqual(got, want) {
		t.Fatalf("reset changes %q, want %q", got, want)
	}
}
