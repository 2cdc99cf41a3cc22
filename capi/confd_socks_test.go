package main

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Error codes of confd_lib.h (test files cannot use cgo).
const (
	tErr        = -1
	tBadType    = 5
	tInternal   = 18
	tProtoUsage = 21
)

func codeOf(t *testing.T, err error) int {
	t.Helper()
	var ce *confdError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a confdError", err, err)
	}
	return ce.code
}

func streamSocket(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

func TestSockTableRegisterLookup(t *testing.T) {
	tab := newSockTable()
	fd := streamSocket(t)

	id, err := tab.checkFree(fd)
	if err != nil {
		t.Fatalf("checkFree(fresh socket) = %v", err)
	}
	if _, err := tab.lookup(fd, sockHA); codeOf(t, err) != tProtoUsage || !strings.Contains(err.Error(), "not an HA socket") {
		t.Fatalf("lookup before register = %v", err)
	}
	s := tab.register(fd, sockHA, id, 0)
	if got, err := tab.lookup(fd, sockHA); err != nil || got != s {
		t.Fatalf("lookup after register = %p, %v; want %p", got, err, s)
	}
	if _, err := tab.lookup(fd, sockNotif); codeOf(t, err) != tProtoUsage || !strings.Contains(err.Error(), "is an HA socket, not a notification socket") {
		t.Fatalf("lookup of the wrong kind = %v", err)
	}
	if _, err := tab.checkFree(fd); codeOf(t, err) != tProtoUsage || !strings.Contains(err.Error(), "already connected") {
		t.Fatalf("checkFree(registered) = %v", err)
	}
	tab.forget(s)
	if tab.len() != 0 {
		t.Fatalf("len after forget = %d", tab.len())
	}
}

// A closed fd whose number the kernel hands out again must not be taken for
// the socket that was registered under that number.
func TestSockTableReusedFd(t *testing.T) {
	tab := newSockTable()
	fd := streamSocket(t)
	id, err := tab.checkFree(fd)
	if err != nil {
		t.Fatal(err)
	}
	old := tab.register(fd, sockNotif, id, 64)

	// Put another socket under the same number, as close+socket would.
	other := streamSocket(t)
	if err := unix.Dup2(other, fd); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.lookup(fd, sockNotif); codeOf(t, err) != tProtoUsage {
		t.Fatalf("lookup of a reused fd = %v, want PROTOUSAGE", err)
	}
	if tab.len() != 0 {
		t.Fatalf("stale entry kept: len %d", tab.len())
	}
	// The new socket can be registered; forgetting the old entry later must
	// not remove the new one.
	id2, err := tab.checkFree(fd)
	if err != nil || id2 == id {
		t.Fatalf("checkFree(reused) = %v, %v (old %v)", id2, err, id)
	}
	s2 := tab.register(fd, sockNotif, id2, 64)
	tab.forget(old)
	if got, err := tab.lookup(fd, sockNotif); err != nil || got != s2 {
		t.Fatalf("lookup after forgetting the stale entry = %v, %v", got, err)
	}
}

func TestSockTableClosedFd(t *testing.T) {
	tab := newSockTable()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tab.checkFree(fd)
	if err != nil {
		t.Fatal(err)
	}
	tab.register(fd, sockHA, id, 0)
	unix.Close(fd)
	_, err = tab.lookup(fd, sockHA)
	var oe *osError
	if !errors.As(err, &oe) || oe.errno != syscall.EBADF {
		t.Fatalf("lookup(closed) = %v, want EBADF", err)
	}
	if tab.len() != 0 {
		t.Fatalf("closed fd kept: len %d", tab.len())
	}
	if _, err := tab.lookup(-1, sockHA); !errors.As(err, &oe) || oe.errno != syscall.EBADF {
		t.Fatalf("lookup(-1) = %v", err)
	}
}

func TestSockTableNotStream(t *testing.T) {
	tab := newSockTable()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := tab.checkFree(int(r.Fd())); codeOf(t, err) != tProtoUsage || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("checkFree(pipe) = %v", err)
	}
	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(udp)
	if _, err := tab.checkFree(udp); codeOf(t, err) != tProtoUsage || !strings.Contains(err.Error(), "SOCK_STREAM") {
		t.Fatalf("checkFree(udp) = %v", err)
	}
	if tab.len() != 0 {
		t.Fatalf("len = %d", tab.len())
	}
}

// A panic inside an entry point becomes CONFD_ERR with
// CONFD_ERR_INTERNAL on the calling thread.
func TestConfdGuardRecoversPanic(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rc := confdGuard("confd_test_fn", func() int { panic("boom") })
	if rc != tErr {
		t.Fatalf("rc = %d, want CONFD_ERR", rc)
	}
	code, msg := confdLastError()
	if code != tInternal || !strings.Contains(msg, "confd_test_fn") || !strings.Contains(msg, "boom") {
		t.Fatalf("confd_errno %d, lasterr %q", code, msg)
	}
	if rc := confdGuard("ok", func() int { return 0 }); rc != 0 {
		t.Fatalf("rc = %d without panic", rc)
	}
}

func TestConfdResultMapping(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cases := []struct {
		err      error
		rc, code int
		msg      string
	}{
		{confdErrf(tBadType, "bad %s", "id"), tErr, tBadType, "fn: bad id"},
		{confdErrf(45, "closed"), -2, 45, "fn: closed"}, // CONFD_ERR_EOF gives CONFD_EOF
		{&osError{what: "connect", errno: syscall.ECONNREFUSED}, tErr, 24, "fn: connect: connection refused"},
		{errors.New("surprise"), tErr, tInternal, "fn: surprise"},
	}
	for _, c := range cases {
		rc := int(confdResult("fn", c.err))
		code, msg := confdLastError()
		if rc != c.rc || code != c.code || msg != c.msg {
			t.Errorf("confdResult(%v) = %d, errno %d %q; want %d, %d %q", c.err, rc, code, msg, c.rc, c.code, c.msg)
		}
	}
}

func TestNotifMask(t *testing.T) {
	const haInfo, haSync, audit = 1 << 6, 1 << 20, 1
	for _, c := range []struct {
		mask int64
		code int
	}{
		{haInfo, 0},
		{haInfo | haSync, 0},
		{0, tProtoUsage},
		{haSync, tProtoUsage},
		{haInfo | 1<<40, tProtoUsage},
		{haInfo | 1<<21, 0}, // NSO's PACKAGE_RELOAD: accepted, never delivered
		{haInfo | audit, 0}, // a kind goha does not produce: accepted
		{audit, 0},          // even without HA_INFO
		{1 << 31, 0},        // SYSTEM_GOING_DOWN
		{1 << 32, tProtoUsage},
	} {
		err := checkNotifMask(c.mask)
		if c.code == 0 {
			if err != nil {
				t.Errorf("mask %#x: %v", c.mask, err)
			}
			continue
		}
		if got := codeOf(t, err); got != c.code {
			t.Errorf("mask %#x: code %d, want %d (%v)", c.mask, got, c.code, err)
		}
	}
}
