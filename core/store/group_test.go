package store

import (
	"errors"
	"testing"
)

// TestBatchGroup: transactions committed together get consecutive txids
// and the digests sequential Batch calls give; a refused one takes no
// txid and changes nothing; a replica applies the group together, or,
// if one commit is wrong, not at all.
func TestBatchGroup(t *testing.T) {
	reqs := [][]Op{
		{SetOp("/a", Int8(1)), SetOp("/c", Int8(3))},
		{DeleteOp("/missing")},
		{SetOp("bad", Int8(0))},
		{SetOp("/b", Int8(2)), DeleteOp("/a")},
		{SetOp("/d", Int8(4)), DeleteOp("/d"), DeleteOp("/d")}, // the second delete finds nothing
		{DeleteOp("/c")},
	}
	g := openTemp(t)
	cs, errs := g.BatchGroup(reqs)
	wantErr := []error{nil, ErrNotFound, ErrBadPath, nil, ErrNotFound, nil}
	for i := range reqs {
		if !errors.Is(errs[i], wantErr[i]) || (wantErr[i] == nil) != (errs[i] == nil) {
			t.Fatalf("request %d: %v, want %v", i, errs[i], wantErr[i])
		}
	}
	// The same, one by one.
	s := openTemp(t)
	var seq []Commit
	for _, ops := range reqs {
		if c, err := s.Batch(ops); err == nil {
			seq = append(seq, c)
		}
	}
	var got []Commit
	for i, c := range cs {
		if errs[i] == nil {
			got = append(got, c)
		}
	}
	if len(got) != 3 || len(seq) != 3 {
		t.Fatalf("%d grouped, %d sequential commits", len(got), len(seq))
	}
	for i := range got {
		if got[i].Txid != uint64(i+1) || got[i].Txid != seq[i].Txid || got[i].Digest != seq[i].Digest {
			t.Fatalf("commit %d: txid %d digest %s, sequentially %d %s", i, got[i].Txid, got[i].Digest, seq[i].Txid, seq[i].Digest)
		}
	}
	if gt, gd := g.State(); gt != 3 || gd != got[2].Digest || g.Verify() != nil {
		t.Fatalf("store at %d %s", gt, gd)
	}
	if _, err := g.Get("/a"); !errors.Is(err, ErrNotFound) {
		t.Fatal("/a survived its delete")
	}
	// A replica: a wrong digest or a gap refuses the whole group.
	r := openTemp(t)
	bad := append([]Commit{}, got...)
	bad[1].Digest[0] ^= 1
	if err := r.ApplyGroup(bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("group with a wrong digest: %v", err)
	}
	if err := r.ApplyGroup(got[1:]); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("group with a gap: %v", err)
	}
	if r.Txid() != 0 {
		t.Fatalf("refused groups changed the replica (txid %d)", r.Txid())
	}
	if err := r.ApplyGroup(got); err != nil {
		t.Fatal(err)
	}
	if rt, rd := r.State(); rt != 3 || rd != got[2].Digest {
		t.Fatalf("replica at %d %s", rt, rd)
	}
	// Read-only: every transaction refused.
	r.SetReadOnly(true)
	if _, errs := r.BatchGroup([][]Op{{SetOp("/x", Int8(1))}, {SetOp("/y", Int8(1))}}); !errors.Is(errs[0], ErrReadOnly) || !errors.Is(errs[1], ErrReadOnly) {
		t.Fatalf("read-only group: %v", errs)
	}
}
