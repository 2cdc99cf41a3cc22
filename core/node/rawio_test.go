package node

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// unixPair returns both ends of a connected unix stream socket, as the
// control server's listener makes them.
func unixPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestRawIO: reads and writes with raw system calls keep net.Conn's
// behaviour: bytes both ways, io.EOF at the peer's close, read deadlines;
// a write that waits is bounded by the timeout from when it started
// waiting, and the deadline it set does not outlive it (a later write,
// after the timeout has long passed, must not fail at once).
func TestRawIO(t *testing.T) {
	const timeout = 100 * time.Millisecond
	srv, cli := unixPair(t)
	r := newRawIO(srv, timeout)
	if r.rc == nil {
		t.Fatal("a unix connection has no raw access")
	}
	if _, err := cli.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	srv.SetReadDeadline(time.Now().Add(timeout))
	if _, err := r.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v", err)
	}
	srv.SetReadDeadline(time.Time{})

	// Fill the socket until a write waits, then drain it from the peer
	// (bounded by wait, long enough for a loaded machine to drain it).
	const wait = time.Second
	big := make([]byte, 1<<20)
	done := make(chan error, 1)
	go func() {
		_, err := newRawIO(srv, wait).Write(big)
		done <- err
	}()
	cli.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadFull(cli, make([]byte, len(big))); err != nil {
		t.Fatalf("peer read: %v (writer: %v)", err, <-done)
	}
	if err := <-done; err != nil {
		t.Fatalf("a write that waited for its reader: %v", err)
	}
	time.Sleep(wait + timeout) // a deadline that write left would be past now
	if _, err := r.Write([]byte("pong")); err != nil {
		t.Fatalf("a write long after one that waited: %v", err)
	}
	if n, err := io.ReadFull(cli, buf[:4]); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("peer read %q, %v", buf[:n], err)
	}

	// Nobody reads: the write gives up timeout after it started waiting.
	start := time.Now()
	if _, err := r.Write(big); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a write nobody reads: %v", err)
	}
	if d := time.Since(start); d < timeout {
		t.Fatalf("the write gave up after %v, before its timeout", d)
	}

	srv2, cli2 := unixPair(t)
	cli2.Close()
	if _, err := newRawIO(srv2, timeout).Read(buf); err != io.EOF {
		t.Fatalf("read after the peer closed: %v, want io.EOF", err)
	}
}
