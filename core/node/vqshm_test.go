package node

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// mapInfoPage does what libgoha does: hello, OpVQShm, receive the
// descriptor, map it read-only.
func mapInfoPage(t *testing.T, sock string) *wire.VQShm {
	t.Helper()
	uc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uc.Close() })
	uc.SetDeadline(time.Now().Add(10 * time.Second))
	send := func(m *wire.Msg) {
		b, err := wire.EncodeMsg(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := wire.WriteFrame(uc, b); err != nil {
			t.Fatal(err)
		}
	}
	hello, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Software: "test"})
	send(&wire.Msg{Type: wire.TypeHello, Body: hello})
	if _, err := wire.ReadFrame(uc, wire.MaxFrame); err != nil {
		t.Fatal(err)
	}
	send(&wire.Msg{Type: wire.TypeReq, ID: 1, Op: wire.OpVQShm})
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := uc.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	cms, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(cms) != 1 {
		t.Fatalf("control messages %v %v", cms, err)
	}
	fds, err := unix.ParseUnixRights(&cms[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights %v %v", fds, err)
	}
	defer unix.Close(fds[0])
	body, err := wire.ReadFrame(io.MultiReader(bytes.NewReader(buf[:n]), uc), wire.MaxFrame)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.DecodeMsg(body)
	var info wire.VQShmInfo
	if err != nil || m.ID != 1 || m.Code != wire.CodeOK || wire.DecodeBody(m.Body, &info) != nil || info.Size != wire.VQShmSize {
		t.Fatalf("reply %+v %v", m, err)
	}
	// Sealed: clients can map it read-only but neither write nor resize it.
	if _, err := unix.Mmap(fds[0], 0, wire.VQShmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err == nil {
		t.Fatal("a client could map the info page writable")
	}
	if err := unix.Ftruncate(fds[0], 0); err == nil {
		t.Fatal("a client could shrink the info page")
	}
	mem, err := unix.Mmap(fds[0], 0, wire.VQShmSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	shm, err := wire.NewVQShm(mem)
	if err != nil {
		t.Fatal(err)
	}
	return shm
}

func TestVQInfoPage(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "solo.sock")
	_, cancel, done := runNode(t, oneNode(t, dir), filepath.Join(dir, "data"))
	shm := mapInfoPage(t, sock)
	c, err := client.Dial("unix:"+sock, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	readPage := func(node uint32) (wire.VQInfo, bool) {
		var in wire.VQInfo
		// The page is valid while the loop runs (it renews it every
		// tick); a loaded machine may delay a pass, so retry briefly.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if shm.Read(node, wire.MonotonicNow(), &in) {
				return in, true
			}
		}
		return in, false
	}
	// Wait for quorum, then the page and the daemon must agree.
	deadline := time.Now().Add(10 * time.Second)
	for {
		in, ok := readPage(0)
		if !ok {
			t.Fatal("the info page is not valid while the daemon runs")
		}
		if in.Flags&wire.VQQuorate != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never quorate: %+v", in)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, node := range []uint32{0, 7} {
		want, err := c.QuorumInfo(node)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := readPage(node)
		if !ok || got != wire.VQInfo(*want) {
			t.Fatalf("page node %d: %v %+v, daemon %+v", node, ok, got, *want)
		}
	}
	if _, ok := readPage(7); !ok || shm.Read(8, wire.MonotonicNow(), new(wire.VQInfo)) {
		t.Fatal("the page lists a node that is not configured")
	}
	// Read-your-writes: once setvotes returned, the page shows it (a
	// read right after the reply, no retry unless the page expired).
	if err := c.SetVotes(7, 3); err != nil {
		t.Fatal(err)
	}
	if got, ok := readPage(0); !ok || got.NodeVotes != 3 {
		t.Fatalf("after setvotes 3: %v %+v", ok, got)
	}
	// A stopped daemon invalidates the page.
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil // for runNode's cleanup
	var in wire.VQInfo
	if shm.Read(0, wire.MonotonicNow(), &in) {
		t.Fatal("the page is still valid after the daemon stopped")
	}
}
