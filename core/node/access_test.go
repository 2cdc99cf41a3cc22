package node

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// TestUnixSocketCreatedWithFinalMode: the socket appears at its path by a
// rename, already with mode 0660 and its group: never created there with
// another mode (no chmod window).
func TestUnixSocketCreatedWithFinalMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ctl.sock")
	in, err := unix.InotifyInit1(unix.IN_NONBLOCK)
	if err != nil {
		t.Skipf("no inotify: %v", err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, dir, unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_ATTRIB); err != nil {
		t.Fatal(err)
	}
	group := os.Getgid()
	if os.Getuid() == 0 {
		group = 1 // "daemon": any group but root's shows the chown
	}
	acc := &ctlAccess{group: group}
	ln, p, err := listenControl("unix:"+path, acc)
	if err != nil {
		t.Fatal(err)
	}
	s := newCtlServer(ln, p, acc, wire.Hello{}, quietLog(), new(atomic.Uint64))
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o777 != 0o660 || int(st.Gid) != group {
		t.Fatalf("socket mode %o group %d, want 0660 group %d", st.Mode&0o777, st.Gid, group)
	}
	buf := make([]byte, 64<<10)
	n, _ := unix.Read(in, buf)
	var events []string
	for off := 0; off+unix.SizeofInotifyEvent <= n; {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
		if name == "ctl.sock" {
			events = append(events, fmt.Sprintf("%#x", ev.Mask))
			if ev.Mask&(unix.IN_CREATE|unix.IN_ATTRIB) != 0 {
				t.Errorf("the socket was created or changed at its final path (event %#x): a window with another mode", ev.Mask)
			}
		}
		off += unix.SizeofInotifyEvent + int(ev.Len)
	}
	if len(events) != 1 {
		t.Fatalf("events on the socket's name: %v (want one IN_MOVED_TO)", events)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".g*"))
	if len(leftovers) != 0 {
		t.Fatalf("private directory left: %v", leftovers)
	}
	s.close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file not removed at close: %v", err)
	}
}

// TestAccessFile: with ipc_access_file, a client must prove the secret
// before anything else: without GOHA_IPC_ACCESS_FILE, or with another
// secret, it is refused with CodeAuth (and learns nothing but a nonce);
// with it, it is served. The daemon proves the secret in turn.
func TestAccessFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "ipc.secret")
	if err := os.WriteFile(secret, bytes.Repeat([]byte{0x5a}, 32), 0o640); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "wrong.secret")
	os.WriteFile(wrong, bytes.Repeat([]byte{0x5b}, 32), 0o600)
	ports, err := nodetest.FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	ipc := fmt.Sprintf("127.0.0.1:%d", ports[2])
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`cluster_name = "acc"
authkey = "access-test-secret-0123"
ipc_access_file = %q
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[[node]]
id = 7
name = "solo"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = %q
`, secret, ports[0], ports[1], ipc)), 0o600)
	n, _, _ := runNode(t, cfg, filepath.Join(dir, "data"))

	t.Setenv(client.EnvIPCAccessFile, "")
	var ce *client.Error
	if _, err := client.Dial(ipc, 5*time.Second); !errors.As(err, &ce) || ce.Code != wire.CodeAuth ||
		!strings.Contains(err.Error(), client.EnvIPCAccessFile) {
		t.Fatalf("without the secret: %v", err)
	}
	t.Setenv(client.EnvIPCAccessFile, wrong)
	if _, err := client.Dial(ipc, 5*time.Second); !errors.As(err, &ce) || ce.Code != wire.CodeAuth {
		t.Fatalf("with a wrong secret: %v", err)
	}
	t.Setenv(client.EnvIPCAccessFile, filepath.Join(dir, "missing"))
	if _, err := client.Dial(ipc, 5*time.Second); !errors.As(err, &ce) || ce.Code != wire.CodeAuth || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("with a missing file: %v", err)
	}
	t.Setenv(client.EnvIPCAccessFile, secret)
	c, err := client.Dial(ipc, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server().NodeName != "solo" {
		t.Fatalf("hello after the proof: %+v", c.Server())
	}
	if err := c.Ping(); err != nil {
		t.Fatal(err)
	}
	c.Close()

	// A raw client that skips the proof gets the challenge and nothing
	// else: a request in its place closes the connection.
	nc, err := net.Dial("tcp", ipc)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	hello, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Nonce: make([]byte, wire.NonceLen)})
	hm, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeHello, Body: hello})
	wire.WriteFrame(nc, hm)
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := wire.ReadFrame(nc, wire.MaxFrame)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := wire.DecodeMsg(b)
	var h wire.Hello
	wire.DecodeBody(m.Body, &h)
	if m.Code != wire.CodeAuth || len(h.Challenge) != wire.NonceLen || h.NodeName != "" || h.Cluster != "" {
		t.Fatalf("answer to a hello: code %v %+v", m.Code, h)
	}
	req, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeReq, ID: 1, Op: wire.OpPing})
	wire.WriteFrame(nc, req)
	if _, err := wire.ReadFrame(nc, wire.MaxFrame); err == nil {
		t.Fatal("a request without the proof was answered")
	}

	// A new secret takes effect at a reload, for new connections: the
	// old one is refused, the new one accepted, without a restart.
	old := filepath.Join(dir, "old.secret")
	os.WriteFile(old, bytes.Repeat([]byte{0x5a}, 32), 0o600)
	os.WriteFile(secret, bytes.Repeat([]byte{0x77}, 32), 0o640)
	rep, err := n.Reload("test")
	if err != nil || len(rep.Applied) == 0 || len(rep.Restart) != 0 {
		t.Fatalf("reload: %+v %v", rep, err)
	}
	t.Setenv(client.EnvIPCAccessFile, old)
	if _, err := client.Dial(ipc, 5*time.Second); !errors.As(err, &ce) || ce.Code != wire.CodeAuth {
		t.Fatalf("the old secret after the reload: %v", err)
	}
	t.Setenv(client.EnvIPCAccessFile, secret)
	if c, err := client.Dial(ipc, 5*time.Second); err != nil {
		t.Fatalf("the new secret after the reload: %v", err)
	} else {
		c.Close()
	}
}
