package cdb

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/goha/goha/core/store"
)

func TestParseCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/a", "/a"},
		{"/a/b/c", "/a/b/c"},
		{"/hosts/host{www}/ip", "/hosts/host{www}/ip"},
		{"/bars/bar{ x  42 }/item", "/bars/bar{x 42}/item"},
		{`/d/dev{"ex 0"}/addr`, `/d/dev{"ex 0"}/addr`},
		{`/d/dev{"plain"}`, `/d/dev{plain}`},
		{`/d/dev{""}`, `/d/dev{""}`},
		{`/d/dev{"a\"b\\c"}`, `/d/dev{"a\"b\\c"}`},
		{`/d/dev{"{x}"}`, `/d/dev{"{x}"}`},
		{"/ncs:devices/device{ex0}/ncs:address", "/ncs:devices/device{ex0}/ncs:address"},
	} {
		got, err := Canonical(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if again, err := Canonical(got); err != nil || again != got {
			t.Errorf("Canonical not idempotent on %q: %q %v", got, again, err)
		}
	}
	for _, bad := range []string{"", "a/b", "/", "//a", "/a/", "/a{", "/a{}", "/a{x", `/a{"x}`, "/a[0]",
		"/a{x}b", `/a{"x"y}`, "/a{x/y}", `/a{"x/y"}`, "/a b", "/a{x{y}}", "/a\x00", "/" + strings.Repeat("x", 1100)} {
		if _, err := Canonical(bad); !errors.Is(err, ErrBadPath) {
			t.Errorf("Canonical(%q) = %v, want ErrBadPath", bad, err)
		}
	}
	if p := Split("/a b/c{"); len(p) != 2 || p[0].Name != "a b" || p[1].Name != "c{" {
		t.Errorf("Split of a non-keypath: %+v", p)
	}
	if Tag("server") != 0x40ac3dd2 || Tag("server") == Tag("servers") || Tag("x")>>31 != 0 {
		t.Error("Tag")
	}
}

func TestCoversAndAbove(t *testing.T) {
	mustParse := func(s string) Path {
		p, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		pat, path string
		covers    bool
	}{
		{"/hosts", "/hosts/host{a}/ip", true},
		{"/hosts/host", "/hosts/host{a}/ip", true},
		{"/hosts/host{*}", "/hosts/host{a}/ip", true},
		{"/hosts/host{a}", "/hosts/host{a}/ip", true},
		{"/hosts/host{b}", "/hosts/host{a}/ip", false},
		{"/bars/bar{* 1}", "/bars/bar{x 1}", true},
		{"/bars/bar{* 1}", "/bars/bar{x 2}", false},
		{"/hosts/host{a}/ip", "/hosts/host{a}/ip", true},
		{"/hosts/host{a}/ip", "/hosts/host{a}", false},
		{"/hosts", "/hostsx/a", false},
		{"/hosts/host{*}", "/hosts/host", false},
	} {
		if got := mustParse(tc.pat).Covers(mustParse(tc.path)); got != tc.covers {
			t.Errorf("%s covers %s = %v", tc.pat, tc.path, got)
		}
	}
	pat := mustParse("/hosts/host{a}/ip")
	if !pat.Above(mustParse("/hosts")) || !pat.Above(mustParse("/hosts/host{a}")) || pat.Above(mustParse("/hosts/host{b}")) || pat.Above(pat) {
		t.Error("Above")
	}
}

// diffText renders a walk as "depth op path [old->new]".
func diffText(ns []DiffNode) string {
	var b strings.Builder
	names := map[Op]string{OpCreated: "created", OpDeleted: "deleted", OpModified: "modified", OpValueSet: "value_set"}
	for _, n := range ns {
		fmt.Fprintf(&b, "%s%s %s", strings.Repeat("  ", n.Depth), names[n.Op], n.Path)
		if n.Op == OpValueSet || n.Op == OpDeleted && n.Old.Type() != 0 {
			fmt.Fprintf(&b, " %s->%s", valText(n.Old), valText(n.New))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func valText(v store.Value) string {
	if v.Type() == 0 {
		return "-"
	}
	return v.String()
}

func commitFeed(t *testing.T, s *store.Store, ops ...store.Op) store.ChangeSet {
	t.Helper()
	c, err := s.Batch(ops)
	if err != nil {
		t.Fatal(err)
	}
	sets, _, _, err := s.Changes(c.Txid - 1)
	if err != nil || len(sets) != 1 {
		t.Fatalf("feed: %v %d", err, len(sets))
	}
	return sets[0]
}

func TestDiffWalk(t *testing.T) {
	s, err := store.OpenFile(t.TempDir()+"/s.db", &store.Options{InitialMmapSize: 1 << 24})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.EnableFeed(0)
	str := store.String
	cs1 := commitFeed(t, s,
		store.SetOp("/sys/hosts/host{a}/ip", str("10.0.0.1")),
		store.SetOp("/sys/hosts/host{a}/port", store.Uint16(22)),
		store.SetOp("/sys/name", str("box")))
	mustParse := func(s string) Path {
		p, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	check := func(cs store.ChangeSet, pat string, flags int, want string) {
		t.Helper()
		if got := diffText(Diff(&cs, mustParse(pat), flags)); got != want {
			t.Errorf("Diff %s:\n%s\nwant:\n%s", pat, got, want)
		}
		if fires := Fires(&cs, mustParse(pat)); fires != (want != "") {
			t.Errorf("Fires %s = %v", pat, fires)
		}
	}
	// A new container is reported created (the point's own node too);
	// its leaves are value_set children, entries created.
	check(cs1, "/sys", 0, "created /sys\n  created /sys/hosts\n    created /sys/hosts/host{a}\n      value_set /sys/hosts/host{a}/ip -->10.0.0.1\n      value_set /sys/hosts/host{a}/port -->22\n  value_set /sys/name -->box\n")
	check(cs1, "/sys/hosts/host", 0, "created /sys/hosts/host{a}\n  value_set /sys/hosts/host{a}/ip -->10.0.0.1\n  value_set /sys/hosts/host{a}/port -->22\n")
	check(cs1, "/sys/hosts/host{a}/port", 0, "value_set /sys/hosts/host{a}/port -->22\n")
	check(cs1, "/other", 0, "")

	// A modified entry is reported modified; a container that existed
	// throughout is transparent.
	cs2 := commitFeed(t, s, store.SetOp("/sys/hosts/host{a}/ip", str("10.0.0.2")), store.SetOp("/sys/hosts/host{b}/ip", str("10.0.0.3")))
	check(cs2, "/sys", 0, "modified /sys/hosts/host{a}\n  value_set /sys/hosts/host{a}/ip 10.0.0.1->10.0.0.2\ncreated /sys/hosts/host{b}\n  value_set /sys/hosts/host{b}/ip -->10.0.0.3\n")
	check(cs2, "/sys/hosts/host{b}", 0, "created /sys/hosts/host{b}\n  value_set /sys/hosts/host{b}/ip -->10.0.0.3\n")

	// A vanished entry is deleted without its children.
	cs3 := commitFeed(t, s, store.DeleteOp("/sys/hosts/host{a}/ip"), store.DeleteOp("/sys/hosts/host{a}/port"))
	check(cs3, "/sys/hosts", 0, "deleted /sys/hosts/host{a}\n")

	// Deleting above the point: the deletion below is reported, or with
	// WantAncestorDelete the topmost vanished ancestor.
	cs4 := commitFeed(t, s, store.DeleteOp("/sys/hosts/host{b}/ip"), store.DeleteOp("/sys/name"))
	check(cs4, "/sys/hosts/host{b}/ip", 0, "deleted /sys/hosts/host{b}/ip 10.0.0.3->-\n")
	check(cs4, "/sys/hosts/host{b}/ip", WantAncestorDelete, "deleted /sys\n")
	check(cs4, "/sys/hosts/host{c}/ip", WantAncestorDelete, "deleted /sys\n")

	all := Everything(9, []store.Change{{Path: "/a/b{1}/c", New: str("x")}, {Path: "/a/d", New: str("y")}})
	check(all, "/a", 0, "created /a\n  created /a/b{1}\n    value_set /a/b{1}/c -->x\n  value_set /a/d -->y\n")
}
