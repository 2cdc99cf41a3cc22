package main

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unsafe"
)

// The offsets below are ConfD's x86_64 ABI (spec/confd-ha.md 1.5, 1.6), so
// these tests also check that the Go view of the structs matches it.
const (
	offNodeType               = 0
	offNodeBufSize            = 8
	offNodeBufPtr             = 16
	offNodeAF                 = 40
	offNodeAddr               = 48
	offNodeBuf                = 64
	offNodeAddrBuf            = 192
	sizeNode                  = 320
	offStatusNodes            = 8
	offStatusNum              = 81608
	sizeStatus                = 81616
	offNotifHnot              = 8
	offHnotData               = 8
	sizeNotif                 = 8464
	afInet, afInet6, afUnspec = 2, 10, 0
)

// cbuf returns 8-aligned zeroed memory of n bytes and its byte view.
func cbuf(n int) (unsafe.Pointer, []byte) {
	words := make([]uint64, (n+7)/8)
	p := unsafe.Pointer(&words[0])
	return p, unsafe.Slice((*byte)(p), n)
}

func u32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
func u64(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// checkNode checks a filled confd_ha_node at base (its address p).
func checkNode(t *testing.T, p unsafe.Pointer, b []byte, id string, af int, addr []byte, str string) {
	t.Helper()
	if got := u32(b, offNodeType); got != 5 {
		t.Errorf("nodeid.type = %d, want C_BUF (5)", got)
	}
	if got := u32(b, offNodeBufSize); got != uint32(len(id)) {
		t.Errorf("nodeid.val.buf.size = %d, want %d", got, len(id))
	}
	if got, want := uintptr(u64(b, offNodeBufPtr)), uintptr(p)+offNodeBuf; got != want {
		t.Errorf("nodeid.val.buf.ptr = %#x, want buf at %#x", got, want)
	}
	if got := cstr(b[offNodeBuf : offNodeBuf+128]); got != id {
		t.Errorf("buf = %q, want %q (NUL-terminated)", got, id)
	}
	if got := int(int32(u32(b, offNodeAF))); got != af {
		t.Errorf("af = %d, want %d", got, af)
	}
	switch {
	case addr != nil:
		if !bytes.Equal(b[offNodeAddr:offNodeAddr+len(addr)], addr) {
			t.Errorf("addr = %v, want %v", b[offNodeAddr:offNodeAddr+16], addr)
		}
	case str == "":
		if u64(b, offNodeAddr) != 0 {
			t.Errorf("addr.str = %#x, want NULL", u64(b, offNodeAddr))
		}
	default:
		if got, want := uintptr(u64(b, offNodeAddr)), uintptr(p)+offNodeAddrBuf; got != want {
			t.Errorf("addr.str = %#x, want addr_buf at %#x", got, want)
		}
		if got := cstr(b[offNodeAddrBuf : offNodeAddrBuf+128]); got != str {
			t.Errorf("addr_buf = %q, want %q", got, str)
		}
	}
}

func TestFillHANode(t *testing.T) {
	long127 := strings.Repeat("n", 127)
	for _, c := range []struct {
		node haNode
		af   int
		addr []byte
		str  string
	}{
		{haNode{"n1", "10.0.0.2"}, afInet, []byte{10, 0, 0, 2}, ""},
		{haNode{"n1", "::ffff:10.0.0.2"}, afInet, []byte{10, 0, 0, 2}, ""},
		{haNode{"n2", "fe80::1"}, afInet6, []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ""},
		{haNode{"n3", "node3.example"}, afUnspec, nil, "node3.example"},
		{haNode{"n3", "fe80::1%eth0"}, afUnspec, nil, "fe80::1%eth0"},
		{haNode{long127, ""}, afUnspec, nil, ""},
	} {
		p, b := cbuf(sizeNode)
		for i := range b {
			b[i] = 0xa5 // garbage that fill must overwrite
		}
		if err := fillHANode((*cHANode)(p), c.node); err != nil {
			t.Errorf("fillHANode(%v): %v", c.node, err)
			continue
		}
		checkNode(t, p, b, c.node.ID, c.af, c.addr, c.str)
	}
	for _, bad := range []haNode{
		{"", "10.0.0.1"},
		{strings.Repeat("n", 128), ""},
		{"a\x00b", ""},
		{"n1", strings.Repeat("h", 128)},
		{"n1", "h\x00st"},
	} {
		p, _ := cbuf(sizeNode)
		if err := fillHANode((*cHANode)(p), bad); codeOf(t, err) != tInternal {
			t.Errorf("fillHANode(%q) = %v, want CONFD_ERR_INTERNAL", bad, err)
		}
	}
}

func TestFillHAStatus(t *testing.T) {
	p, b := cbuf(sizeStatus)
	nodes := []haNode{{"p", "10.0.0.1"}, {"s1", "10.0.0.2"}, {"s2", "::1"}}
	if err := fillHAStatus((*cHAStatus)(p), 4, nodes); err != nil {
		t.Fatal(err)
	}
	if u32(b, 0) != 4 || u32(b, offStatusNum) != 3 {
		t.Fatalf("state %d num_nodes %d, want 4 and 3", u32(b, 0), u32(b, offStatusNum))
	}
	for i, n := range nodes {
		off := offStatusNodes + i*sizeNode
		af, addr := afInet, []byte{10, 0, 0, byte(i + 1)}
		if i == 2 {
			af, addr = afInet6, append(make([]byte, 15), 1)
		}
		checkNode(t, unsafe.Add(p, off), b[off:off+sizeNode], n.ID, af, addr, "")
	}
	// NONE with no nodes
	if err := fillHAStatus((*cHAStatus)(p), 1, nil); err != nil || u32(b, 0) != 1 || u32(b, offStatusNum) != 0 {
		t.Fatalf("NONE: %v, state %d num %d", err, u32(b, 0), u32(b, offStatusNum))
	}
	if err := fillHAStatus((*cHAStatus)(p), 5, nil); codeOf(t, err) != tInternal {
		t.Fatalf("state 5: %v", err)
	}
	many := make([]haNode, maxHANodes+1)
	for i := range many {
		many[i] = haNode{ID: "n", Addr: "10.0.0.1"}
	}
	if maxHANodes != 255 {
		t.Fatalf("maxHANodes = %d, want 255", maxHANodes)
	}
	if err := fillHAStatus((*cHAStatus)(p), 3, many[:255]); err != nil || u32(b, offStatusNum) != 255 {
		t.Fatalf("255 nodes: %v, num %d", err, u32(b, offStatusNum))
	}
	if err := fillHAStatus((*cHAStatus)(p), 3, many); codeOf(t, err) != tInternal {
		t.Fatalf("256 nodes: %v", err)
	}
}

func TestFillHANotification(t *testing.T) {
	const notifHAInfo = 64
	for _, c := range []struct {
		ev      haEvent
		value   int  // for the int types
		hasNode bool // for died/arrived
	}{
		{haEvent{Type: 1, Value: 31}, 31, false}, // NOPRIMARY, HA_NOTICK
		{haEvent{Type: 2, Node: haNode{"s1", "10.0.0.2"}}, 0, true},
		{haEvent{Type: 3, Node: haNode{"s2", "10.0.0.3"}}, 0, true},
		{haEvent{Type: 4, Value: 1}, 1, false},   // SECONDARY_INITIALIZED by copy
		{haEvent{Type: 5}, 0, false},             // IS_PRIMARY
		{haEvent{Type: 6}, 0, false},             // IS_NONE
		{haEvent{Type: 7, Value: 27}, 27, false}, // BESECONDARY_RESULT HA_BADFXS
	} {
		p, b := cbuf(sizeNotif)
		for i := range b {
			b[i] = 0xa5
		}
		if err := fillHANotification((*cNotification)(p), c.ev); err != nil {
			t.Errorf("event %+v: %v", c.ev, err)
			continue
		}
		if u64(b, 0) != notifHAInfo || u32(b, offNotifHnot) != uint32(c.ev.Type) {
			t.Errorf("event %+v: type %d hnot.type %d", c.ev, u64(b, 0), u32(b, offNotifHnot))
		}
		data := offNotifHnot + offHnotData
		if c.hasNode {
			checkNode(t, unsafe.Add(p, data), b[data:data+sizeNode], c.ev.Node.ID, afInet, []byte{10, 0, 0, byte(c.ev.Type)}, "")
		} else if got := int(int32(u32(b, data))); got != c.value {
			t.Errorf("event %+v: data %d, want %d", c.ev, got, c.value)
		}
	}
	p, _ := cbuf(sizeNotif)
	if err := fillHANotification((*cNotification)(p), haEvent{Type: 8}); codeOf(t, err) != tInternal {
		t.Errorf("type 8: %v", err)
	}
	if err := fillHANotification((*cNotification)(p), haEvent{Type: 2, Node: haNode{}}); codeOf(t, err) != tInternal {
		t.Errorf("died without node id: %v", err)
	}
}
