package cdb

import (
	"sort"

	"github.com/goha/goha/core/store"
)

// Op is what happened to a node, with the numbers of ConfD's enum
// confd_iter_op (MOP_*).
type Op int

// Operation codes.
const (
	OpCreated  Op = 1 // a list entry or container appeared (or a leaf with ChangeSet.Created in a trigger)
	OpDeleted  Op = 2 // a node vanished; its children are not reported
	OpModified Op = 3 // a list entry or container whose descendants changed
	OpValueSet Op = 4 // a leaf got a (new) value
)

// DiffNode is one node of a diff walk, in pre-order. Depth is the nesting
// among reported nodes (0 for the topmost); a node's children are the
// nodes that follow it with a greater Depth. Path is the node's store
// path. Old and New are a leaf's values before and after (zero Value:
// absent).
type DiffNode struct {
	Depth    int
	Path     string
	Op       Op
	Old, New store.Value
}

// Walk flags (ConfD's ITER_WANT_* bits that change what is walked).
const (
	// WantAncestorDelete: when a node above the subscription point
	// vanished, report that node (MOP_DELETED) instead of the deletions
	// below the point.
	WantAncestorDelete = 2
)

// trie is the tree of changed paths below the root.
type trie struct {
	elem   Elem
	path   string // store path of this node
	leaf   *store.Change
	kids   []*trie
	byPath map[string]*trie
}

func (t *trie) child(e Elem, path string) *trie {
	if c := t.byPath[path]; c != nil {
		return c
	}
	c := &trie{elem: e, path: path}
	if t.byPath == nil {
		t.byPath = map[string]*trie{}
	}
	t.byPath[path] = c
	t.kids = append(t.kids, c)
	return c
}

// Fires reports whether a change set concerns subscription point pat: a
// change at or below it, or the removal of one of its ancestors.
func Fires(cs *store.ChangeSet, pat Path) bool {
	for i := range cs.Changes {
		if pat.Covers(Split(cs.Changes[i].Path)) {
			return true
		}
	}
	for _, v := range cs.Vanished {
		if pat.Above(Split(v)) {
			return true
		}
	}
	return false
}

// Diff returns the walk of cdb_diff_iterate for subscription point pat
// over change set cs (see the package doc for the rules).
func Diff(cs *store.ChangeSet, pat Path, flags int) []DiffNode {
	if flags&WantAncestorDelete != 0 {
		var top string
		for _, v := range cs.Vanished { // sorted: an ancestor comes first
			if pat.Above(Split(v)) && (top == "" || !isBelow(v, top)) {
				if top == "" {
					top = v
				}
			}
		}
		if top != "" {
			return []DiffNode{{Path: top, Op: OpDeleted}}
		}
	}
	root := &trie{}
	appeared, vanished := setOf(cs.Appeared), setOf(cs.Vanished)
	for i := range cs.Changes {
		c := &cs.Changes[i]
		p := Split(c.Path)
		if !pat.Covers(p) {
			continue
		}
		n := root
		ends := elemEnds(c.Path)
		for j, e := range p {
			n = n.child(e, c.Path[:ends[j]]) // as stored, like the feed's interior nodes
		}
		n.leaf = c
	}
	var w walker
	w.appeared, w.vanished = appeared, vanished
	w.point(root, pat, 0)
	return w.out
}

// elemEnds returns where each element of a stored path ends: before each
// '/' after the first, and at the end (keys never contain '/').
func elemEnds(p string) []int {
	var ends []int
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			ends = append(ends, i)
		}
	}
	return append(ends, len(p))
}

func isBelow(p, anc string) bool {
	return len(p) > len(anc) && p[:len(anc)] == anc && p[len(anc)] == '/'
}

func setOf(ps []string) map[string]bool {
	m := make(map[string]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	return m
}

type walker struct {
	appeared, vanished map[string]bool
	out                []DiffNode
}

// point descends the trie along the pattern and reports the nodes at the
// point's level.
func (w *walker) point(n *trie, pat Path, i int) {
	for _, c := range w.sorted(n) {
		if !elemMatches(pat[i], c.elem) {
			continue
		}
		if i == len(pat)-1 {
			w.node(c, 0)
		} else {
			w.point(c, pat, i+1)
		}
	}
}

// node reports n (and its subtree) at depth d: a changed leaf as
// VALUE_SET or DELETED; an interior node that appeared or vanished as
// CREATED or DELETED; a list entry whose descendants changed as MODIFIED;
// a container that existed throughout is transparent (its children are
// reported at its depth), as ConfD does not report non-presence
// containers.
func (w *walker) node(n *trie, d int) {
	if n.leaf != nil {
		op := OpValueSet
		if n.leaf.Deleted() {
			op = OpDeleted
		}
		w.out = append(w.out, DiffNode{Depth: d, Path: n.path, Op: op, Old: n.leaf.Old, New: n.leaf.New})
	}
	if len(n.kids) == 0 {
		return
	}
	switch {
	case w.vanished[n.path]:
		w.out = append(w.out, DiffNode{Depth: d, Path: n.path, Op: OpDeleted})
		return
	case w.appeared[n.path]:
		w.out = append(w.out, DiffNode{Depth: d, Path: n.path, Op: OpCreated})
	case n.elem.Keyed:
		w.out = append(w.out, DiffNode{Depth: d, Path: n.path, Op: OpModified})
	default:
		for _, c := range w.sorted(n) {
			w.node(c, d)
		}
		return
	}
	for _, c := range w.sorted(n) {
		w.node(c, d+1)
	}
}

// sorted returns n's children in byte order of their paths (the order of
// the store and of goha_cdb_dump).
func (w *walker) sorted(n *trie) []*trie {
	sort.Slice(n.kids, func(i, j int) bool { return n.kids[i].path < n.kids[j].path })
	return n.kids
}

// Everything returns a change set in which every given entry is created
// (and every ancestor appeared): what cdb_trigger_subscriptions delivers,
// and what goha delivers when it cannot tell what changed (an incomplete
// Reset, a subscriber that fell behind the feed's history).
func Everything(txid uint64, entries []store.Change) store.ChangeSet {
	cs := store.ChangeSet{Txid: txid, Prev: txid, Reset: true, Complete: true}
	seen := map[string]bool{}
	for _, e := range entries {
		cs.Changes = append(cs.Changes, store.Change{Path: e.Path, New: e.New})
		for i := len(e.Path) - 1; i > 0; i-- {
			if e.Path[i] == '/' && !seen[e.Path[:i]] {
				seen[e.Path[:i]] = true
				cs.Appeared = append(cs.Appeared, e.Path[:i])
			}
		}
	}
	sort.Strings(cs.Appeared)
	return cs
}
