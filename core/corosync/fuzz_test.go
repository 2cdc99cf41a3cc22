package corosync

import (
	"slices"
	"strings"
	"testing"
)

// FuzzMap drives a Map with an arbitrary sequence of operations (set of
// any type and bytes, delete, inc/dec, track, untrack) and checks its
// invariants after each: keys sorted and unique, every key valid and
// holding a normalized value, paged iteration equal to a full one, and
// every notification naming a live tracker of the right key and event.
func FuzzMap(f *testing.F) {
	f.Add([]byte("\x00ab.c\x06\x04\x01\x02\x03\x04\x01ab.c\x02ab.c"))
	f.Add([]byte("\x03ab.\x0f\x00ab.c\x0b\x03xyz\x04ab.c"))
	f.Fuzz(func(t *testing.T, prog []byte) {
		m := NewMap()
		type tk struct {
			key   string
			flags int32
		}
		live := map[uint64]tk{}
		var next uint64
		for len(prog) > 0 {
			op := prog[0] % 6
			prog = prog[1:]
			key, rest := takeKey(prog)
			prog = rest
			var notes []Notification
			switch op {
			case 0: // set
				var v Value
				if len(prog) > 0 {
					v.Type = ValueType(prog[0] % 14)
					prog = prog[1:]
				}
				n := 0
				if len(prog) > 0 {
					n = int(prog[0] % 12)
					prog = prog[1:]
				}
				n = min(n, len(prog))
				v.Data, prog = prog[:n], prog[n:]
				notes, _ = m.Set(key, v)
			case 1:
				notes, _ = m.Delete(key)
			case 2:
				notes, _ = m.Adjust(key, 1)
			case 3:
				var fl int32
				if len(prog) > 0 {
					fl = int32(prog[0] % 16)
					prog = prog[1:]
				}
				next++
				if m.Track(Tracker{Owner: 1, ID: next, Key: key, Flags: fl}) == nil {
					live[next] = tk{key, fl}
				}
			case 4:
				for id := range live {
					m.Untrack(1, id)
					delete(live, id)
					break
				}
			case 5:
				notes, _ = m.Adjust(key, -1)
			}
			for _, nt := range notes {
				tr, ok := live[nt.Track]
				if !ok || tr.flags&nt.Event == 0 ||
					(tr.flags&TrackPrefix == 0 && tr.key != nt.Key) || !strings.HasPrefix(nt.Key, tr.key) {
					t.Fatalf("notification %+v for tracker %+v", nt, tr)
				}
			}
			checkMap(t, m)
		}
	})
}

func takeKey(b []byte) (string, []byte) {
	if len(b) == 0 {
		return "", b
	}
	n := min(int(b[0]%8), len(b)-1)
	return string(b[1 : 1+n]), b[1+n:]
}

func checkMap(t *testing.T, m *Map) {
	if !slices.IsSorted(m.keys) || len(m.keys) != len(m.vals) {
		t.Fatalf("keys %q, %d values", m.keys, len(m.vals))
	}
	for i, k := range m.keys {
		if i > 0 && m.keys[i-1] == k {
			t.Fatalf("duplicate key %q", k)
		}
		v, ok := m.vals[k]
		if !ok || checkNewKey(k) != nil {
			t.Fatalf("key %q: value %v, name check %v", k, ok, checkNewKey(k))
		}
		if nv, err := normalize(v); err != nil || !nv.Equal(v) {
			t.Fatalf("key %q holds a value that is not normalized: %+v", k, v)
		}
	}
	all, more := m.Iter("", "", len(m.keys)+1)
	var paged []KeyInfo
	after := ""
	for {
		page, more := m.Iter("", after, 2)
		paged = append(paged, page...)
		if !more {
			break
		}
		after = page[len(page)-1].Name
	}
	if more || !slices.Equal(all, paged) || len(all) != len(m.keys) {
		t.Fatalf("iteration %v, paged %v", all, paged)
	}
}
