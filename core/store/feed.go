package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The change feed: what each durable commit changed, in commit order, for
// the subscriptions of core/node (see the package doc, Change feed).

// Change is the net effect of one transaction on one path. Old is the value
// before the transaction and New the value after it; a zero Value (Type 0)
// means absent, so Old zero is a creation and New zero a deletion. Ops of
// one transaction on the same path are collapsed: a path set twice appears
// once, a path set and then deleted (or set to the value it had) not at all.
type Change struct {
	Path string
	Old  Value
	New  Value
}

// Created reports whether the path had no value before.
func (c Change) Created() bool { return c.Old.typ == 0 }

// Deleted reports whether the path has no value after.
func (c Change) Deleted() bool { return c.New.typ == 0 }

// ChangeSet is one entry of the change feed: one committed transaction, or
// the installation of a full copy (Reset).
type ChangeSet struct {
	// Seq numbers the feed's entries: 1, 2, ... in publication order
	// (unlike txids, which a full copy can move backwards). It restarts
	// with the process.
	Seq uint64
	// Txid is the store's transaction id after the entry; Prev the one
	// before (Txid-1 for a commit; anything for a Reset, even higher than
	// Txid when a diverged store received its primary's copy).
	Txid, Prev uint64
	// bytes is size(), kept by the feed for its budget.
	bytes int
	// Reset: the store's content was replaced by a full copy (HA initial
	// sync). Changes then hold the difference between the old and new
	// content if Complete, else nothing (the difference was larger than
	// MaxResetChanges changes or the feed's budget in bytes, or the store
	// committed while the copy streamed in: a subscriber must re-read
	// what it depends on).
	Reset    bool
	Complete bool
	// Discarded (a Reset only): the transactions [from, to] of the old
	// content that the copy's history does not hold, as the HA layer knew
	// them (Staged.Discarded; to is then Prev): commits this node made or
	// received that were never acknowledged and are now undone. The
	// entries reporting them stand withdrawn; Changes undo their effect.
	// Zero when none are known.
	Discarded [2]uint64
	// Changes, sorted by path.
	Changes []Change
	// Appeared and Vanished are the interior nodes (proper prefixes of a
	// stored path, ending before a '/') that exist after but not before
	// the entry, and before but not after, sorted. They are what ConfD
	// reports as a list entry or container created or deleted. Only the
	// ancestors of changed paths are considered (never "/").
	Appeared, Vanished []string
}

// size estimates the memory a ChangeSet holds, for the feed's budget.
func (cs *ChangeSet) size() int {
	n := 64
	for _, c := range cs.Changes {
		n += 48 + len(c.Path) + c.Old.Size() + c.New.Size()
	}
	for _, p := range cs.Appeared {
		n += 16 + len(p)
	}
	for _, p := range cs.Vanished {
		n += 16 + len(p)
	}
	return n
}

// Filter returns the changes whose path starts with prefix (byte prefix;
// "" for all).
func (cs *ChangeSet) Filter(prefix string) []Change {
	if prefix == "" {
		return cs.Changes
	}
	var out []Change
	for _, c := range cs.Changes {
		if strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// Feed limits.
const (
	// DefaultFeedBytes is the default memory budget of the feed's history.
	DefaultFeedBytes = 16 << 20
	// MaxResetChanges bounds the difference a Reset carries: past it (or
	// past the feed's budget in bytes) the Reset is incomplete
	// (subscribers re-read), so that installing a copy into a very
	// different store does not hold its whole difference in memory.
	MaxResetChanges = 20000
)

// ErrResync: the feed cannot tell what changed since the given
// transaction (it is older than the history kept, or the store was
// replaced by a full copy since and the position is ambiguous): the
// subscriber must re-read the data it depends on and go on from the
// current transaction.
var ErrResync = errors.New("store: changes since that transaction are no longer known; re-read")

// feed is the history of recent ChangeSets (guarded by Store.mu for
// writes, by its own mu for reads).
type feed struct {
	mu       sync.Mutex
	on       bool
	maxBytes int
	bytes    int
	sets     []ChangeSet // oldest first (from sets[start])
	start    int         // entries before it were dropped (compacted lazily)
	seq      uint64      // Seq of the last entry published
	// wake is closed (and replaced) when a set is appended.
	wake chan struct{}
}

// EnableFeed starts recording the change feed, keeping about maxBytes of
// history (DefaultFeedBytes if maxBytes <= 0). Until it is called commits
// record nothing, so a store nobody subscribes to pays nothing for it.
func (s *Store) EnableFeed(maxBytes int) {
	if maxBytes <= 0 {
		maxBytes = DefaultFeedBytes
	}
	s.mu.Lock() // no commit in flight: the feed starts at a transaction boundary
	defer s.mu.Unlock()
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on, f.maxBytes = true, maxBytes
	if f.wake == nil {
		f.wake = make(chan struct{})
	}
}

func (f *feed) enabled() bool {
	_, on := f.budget()
	return on
}

// budget returns the feed's memory budget and whether it is on.
func (f *feed) budget() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxBytes, f.on
}

// publish appends sets (in commit order) and wakes the waiters. Called
// with Store.mu held, after the commit is durable.
func (f *feed) publish(sets ...ChangeSet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, cs := range sets {
		f.seq++
		cs.Seq = f.seq
		cs.bytes = cs.size()
		f.sets = append(f.sets, cs)
		f.bytes += cs.bytes
	}
	// Drop the oldest entries past the budget (keeping the newest), and
	// compact only when half the slice is dropped entries: amortized O(1)
	// per commit however long the history.
	for f.bytes > f.maxBytes && f.start < len(f.sets)-1 {
		f.bytes -= f.sets[f.start].bytes
		f.sets[f.start] = ChangeSet{}
		f.start++
	}
	if f.start > len(f.sets)/2 {
		f.sets = slices.Clone(f.sets[f.start:])
		f.start = 0
	}
	close(f.wake)
	f.wake = make(chan struct{})
}

// Changes returns the feed entries after the one that left the store at
// transaction after, oldest first, the sequence number of the newest
// entry (to go on with ChangesSince), and a channel closed when a newer
// entry is published. An empty result with a nil error means the caller is up to
// date. It fails with ErrResync when that position is not in the history
// (older than what is kept, unknown, or ambiguous because a full copy
// installed the same txid) and is not the current transaction, and with
// ErrFeedOff if EnableFeed was not called.
//
// Positions are transaction ids, which a full copy can move backwards
// (Reset.Prev > Reset.Txid); the newest entry with that txid is taken, and
// if two entries have it the position is ambiguous.
func (s *Store) Changes(after uint64) ([]ChangeSet, uint64, <-chan struct{}, error) {
	cur := s.Txid()
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.on {
		return nil, 0, nil, ErrFeedOff
	}
	sets, err := f.after(after, cur)
	return sets, f.seq, f.wake, err
}

// live returns the entries kept (f.mu held).
func (f *feed) live() []ChangeSet { return f.sets[f.start:] }

// after finds the entries after txid position after (f.mu held).
func (f *feed) after(after, cur uint64) ([]ChangeSet, error) {
	sets := f.live()
	at, found := -1, 0
	for i := len(sets) - 1; i >= 0; i-- {
		if sets[i].Txid == after {
			if at < 0 {
				at = i
			}
			found++
		}
	}
	switch {
	case found > 1:
		return nil, ErrResync
	case found == 1:
		return slices.Clone(sets[at+1:]), nil
	}
	// Not in the history: fine if it is where the store is (cur was read
	// before f.mu: a commit since then is in sets), or right before the
	// oldest entry kept.
	if len(sets) == 0 {
		if after == cur {
			return nil, nil
		}
		return nil, ErrResync
	}
	if first := sets[0]; first.Prev == after && !first.Reset {
		return slices.Clone(sets), nil
	}
	return nil, ErrResync
}

// ErrFeedOff: Changes was called on a store without EnableFeed.
var ErrFeedOff = errors.New("store: change feed not enabled")

// FeedPosition returns the current transaction id and the feed's
// sequence number, with a channel closed at the next published entry,
// atomically: ChangesSince(seq) then returns exactly the entries published
// since. A subscriber that starts from "now" takes its position here.
func (s *Store) FeedPosition() (txid, seq uint64, wake <-chan struct{}, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.on {
		return 0, 0, nil, ErrFeedOff
	}
	return s.txid, f.seq, f.wake, nil
}

// ChangesSince returns the entries after feed sequence number seq, and a
// channel closed when a newer one is published; ErrResync if some of them
// are no longer kept. Consumers that follow the feed continuously use
// sequence numbers, which never repeat (txids can, across a full copy).
func (s *Store) ChangesSince(seq uint64) ([]ChangeSet, <-chan struct{}, error) {
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.on {
		return nil, nil, ErrFeedOff
	}
	if seq > f.seq {
		return nil, f.wake, ErrResync
	}
	if seq == f.seq {
		return nil, f.wake, nil
	}
	sets := f.live()
	if len(sets) == 0 || sets[0].Seq > seq+1 {
		return nil, f.wake, ErrResync
	}
	return slices.Clone(sets[seq+1-sets[0].Seq:]), f.wake, nil
}

// txChanges collects the net changes of one transaction while it is being
// applied inside a bbolt write transaction.
type txChanges struct {
	idx     map[string]int
	changes []Change
}

// before records path's value before the first op of the transaction on
// it; old is the stored bytes (nil if absent).
func (t *txChanges) before(path string, old []byte) error {
	if _, ok := t.idx[path]; ok {
		return nil
	}
	var v Value
	if old != nil {
		_, _, enc, err := splitStored(old)
		if err != nil {
			return err
		}
		if v, err = DecodeValue(enc); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
	}
	if t.idx == nil {
		t.idx = map[string]int{}
	}
	t.idx[path] = len(t.changes)
	t.changes = append(t.changes, Change{Path: path, Old: v})
	return nil
}

// after records the value an op left at path (zero for a delete).
func (t *txChanges) after(path string, v Value) { t.changes[t.idx[path]].New = v }

// finish builds the ChangeSet: net changes only, sorted, and the interior
// nodes that appeared or vanished (b is the bucket after the transaction,
// exists tells whether an interior node had descendants before it).
func (t *txChanges) finish(b *bolt.Bucket, existedBefore func(string) bool) ChangeSet {
	out := t.changes[:0]
	for _, c := range t.changes {
		if c.Old.typ == 0 && c.New.typ == 0 || c.Old.typ != 0 && c.New.typ != 0 && c.Old.Equal(c.New) {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	cs := ChangeSet{Complete: true, Changes: out}
	cs.Appeared, cs.Vanished = interiorDiff(out, existedBefore, func(p string) bool { return hasUnder(b, p) })
	return cs
}

// hasUnder reports whether b holds a path below the interior node p.
func hasUnder(b *bolt.Bucket, p string) bool {
	pre := []byte(p + "/")
	k, _ := b.Cursor().Seek(pre)
	return k != nil && bytes.HasPrefix(k, pre)
}

// interiorDiff finds, among the ancestors of the changed paths, those that
// exist after but not before (appeared) and the reverse (vanished). An
// ancestor with a change below it that has a value both before and after
// existed throughout and needs no lookup; before and after answer the
// others.
func interiorDiff(changes []Change, before, after func(string) bool) (appeared, vanished []string) {
	type state struct{ stays bool }
	seen := map[string]*state{}
	var order []string
	for _, c := range changes {
		both := c.Old.typ != 0 && c.New.typ != 0
		for i := len(c.Path) - 1; i > 0; i-- {
			if c.Path[i] != '/' {
				continue
			}
			a := c.Path[:i]
			st := seen[a]
			if st == nil {
				st = &state{}
				seen[a] = st
				order = append(order, a)
			}
			st.stays = st.stays || both
		}
	}
	slices.Sort(order)
	for _, a := range order {
		if seen[a].stays {
			continue
		}
		b, af := before(a), after(a)
		switch {
		case af && !b:
			appeared = append(appeared, a)
		case b && !af:
			vanished = append(vanished, a)
		}
	}
	return appeared, vanished
}
