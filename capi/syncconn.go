package main

import (
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// syncConn is the request half of a votequorum handle: a control connection
// that never subscribes, used with blocking system calls on the calling
// thread. It exists for latency: a cgo callback runs on a goroutine locked
// to the C thread, and waiting on a Go channel for a reply that another
// goroutine reads would cost two extra thread switches per round trip.
// Requests wait for the reply in poll(2) before reading it (see
// client.Conn); the round trip's remaining cost, and its figures next to
// corosync's, are in examples/bench/votequorum_getinfo.sh and the README.
// getinfo normally reads the daemon's info page instead (mapVQ, vqInfo:
// about 0.5 us) and uses a round trip only when the page cannot answer.
// The connection itself is core/client's Conn (address forms, hello,
// framing, request ids, reply decoding), so the status mapping is the same
// as for client.Client; syncConn adds the lock that lets threads share a
// handle, and the info page.
type syncConn struct {
	mu   sync.Mutex
	conn *client.Conn
	// vq is the daemon's votequorum info page (wire.VQShm), mapped
	// read-only by mapVQ, or nil: then getinfo asks the daemon.
	vq    *wire.VQShm
	vqMem []byte
	// heard is CLOCK_MONOTONIC (wire.MonotonicNow) when the last round
	// trip completed; see vqTrust.
	heard int64
}

// envVQShm names the switch that keeps a votequorum handle from mapping the
// info page ("0": every getinfo asks the daemon), read at initialize.
const envVQShm = "GOHA_VQ_SHM"

// vqTrust is how long after a completed round trip the info page may
// answer for the daemon. The page alone is valid for 1.5 ticks, but a
// stopped (SIGSTOP) or killed daemon must be noticed sooner, as with
// corosync, where a request after the stop waits or fails; so every
// vqTrust at least one getinfo goes to the daemon (about one call in a
// thousand under a tight loop).
const vqTrust = 500 * time.Microsecond

// clientOptions is how libgoha introduces itself to the daemon.
func clientOptions() client.Options {
	sw := "libgoha"
	if len(os.Args) > 0 && os.Args[0] != "" {
		sw = os.Args[0] + " (libgoha)"
	}
	o := client.Options{Software: sw}
	// The C environment as it is now (see cgetenv), as for GOHA_IPC.
	if v, ok := cgetenv(client.EnvIPCAccessFile); ok {
		o.AccessFile = v
	}
	return o
}

// dialSync connects to the daemon at addr and exchanges hellos (within
// dialTimeout); requests then wait as long as the daemon takes, as
// corosync's do.
func dialSync(addr string) (*syncConn, error) {
	c, err := client.DialConn(addr, dialTimeout, clientOptions())
	if err != nil {
		return nil, err
	}
	return &syncConn{conn: c}, nil
}

// call performs one request; arg and res as in client.Client.Call.
func (c *syncConn) call(op string, arg, res any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.conn.Call(op, arg, res)
	c.heardNow()
	return err
}

// heardNow notes a completed round trip (a refusal is one too). mu held.
func (c *syncConn) heardNow() {
	if c.vq != nil && c.conn.Err() == nil {
		c.heard = wire.MonotonicNow()
	}
}

// vqInfo answers votequorum_getinfo(node) from the info page when it is
// mapped, valid now and lists node; false: ask the daemon (which also
// reports a lost connection and unknown nodes).
func (c *syncConn) vqInfo(node uint32, out *wire.VQInfo) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vq == nil || c.conn.Err() != nil {
		return false
	}
	now := wire.MonotonicNow()
	return now-c.heard < int64(vqTrust) && c.vq.Read(node, now, out)
}

// mapVQ asks the daemon for its votequorum info page and maps it
// read-only. Failure is not an error of the handle: getinfo then asks the
// daemon each time. Only a broken connection is returned.
func (c *syncConn) mapVQ() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var info wire.VQShmInfo
	fd, err := c.conn.CallFD(wire.OpVQShm, nil, &info)
	if err != nil {
		if c.conn.Err() != nil {
			return err
		}
		return nil // refused (TCP, a daemon without a page)
	}
	if fd < 0 {
		return nil
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if info.Magic != wire.VQShmMagic || unix.Fstat(fd, &st) != nil || st.Size < wire.VQShmSize {
		return nil
	}
	mem, err := unix.Mmap(fd, 0, wire.VQShmSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	shm, err := wire.NewVQShm(mem)
	if err != nil {
		unix.Munmap(mem)
		return nil
	}
	c.vq, c.vqMem = shm, mem
	c.heard = wire.MonotonicNow()
	return nil
}

// close ends the connection (once, from finalize); a call blocked in
// another thread returns, and later calls return client.ErrClosed.
func (c *syncConn) close() {
	// Wake a reader blocked in read(2) first: it holds mu.
	c.conn.Shutdown()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.Close()
	if c.vqMem != nil {
		unix.Munmap(c.vqMem)
		c.vq, c.vqMem = nil, nil
	}
}
