package node

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// rawIO reads and writes a control connection with raw system calls on its
// non-blocking socket (syscall.RawSyscall), going through the network
// poller only to wait when the socket is not ready.
//
// Why: a request that reaches the daemon is one read and one write, and Go's
// ordinary socket calls (syscall.Syscall) enter the scheduler's syscall
// state on the way in and out. When the daemon had been idle (every P idle,
// so the runtime's monitor thread asleep), that entry wakes the monitor,
// which then polls every 20 µs for a millisecond: measured with perf on one
// CPU shared with the client, about 0.2 extra context switches per request
// and the monitor's own CPU time. A non-blocking read or write of a small
// frame returns at once, so nothing is lost by not telling the scheduler.
//
// Deadlines set on the net.Conn still bound the waits (the poller enforces
// them). Writes need no deadline until they would block: Write sets one
// ControlIOTimeout ahead at its first EAGAIN and clears it when done, so
// that each Write is bounded as a frame write always was, without a timer
// update per reply; whoever else sets a write deadline clears it after.
type rawIO struct {
	nc      net.Conn
	rc      syscall.RawConn // nil: nc's own Read and Write
	timeout time.Duration   // bound of a Write once it waits
}

func newRawIO(nc net.Conn, timeout time.Duration) rawIO {
	r := rawIO{nc: nc, timeout: timeout}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			r.rc = rc
		}
	}
	return r
}

// Read reads at least one byte into p (io.Reader), waiting for the
// socket as long as the connection's read deadline allows.
func (r rawIO) Read(p []byte) (int, error) {
	if r.rc == nil || len(p) == 0 {
		return r.nc.Read(p)
	}
	var n uintptr
	var errno syscall.Errno
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			n, _, errno = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			if errno != syscall.EINTR {
				return errno != syscall.EAGAIN
			}
		}
	})
	switch {
	case err != nil:
		return 0, err // deadline passed, connection closed
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return int(n), nil
}

// Write writes all of b; once the socket is full it waits at most
// r.timeout from then. MSG_NOSIGNAL: a closed peer gives EPIPE.
func (r rawIO) Write(b []byte) (int, error) {
	if r.rc == nil {
		r.nc.SetWriteDeadline(time.Now().Add(r.timeout))
		return r.nc.Write(b)
	}
	done := 0
	var errno syscall.Errno
	waiting := false
	err := r.rc.Write(func(fd uintptr) bool {
		for done < len(b) {
			p := b[done:]
			n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
				syscall.MSG_NOSIGNAL, 0, 0)
			switch e {
			case 0:
				done += int(n)
			case syscall.EINTR:
			case syscall.EAGAIN:
				if !waiting {
					waiting = true
					r.nc.SetWriteDeadline(time.Now().Add(r.timeout))
				}
				return false
			default:
				errno = e
				return true
			}
		}
		return true
	})
	if waiting {
		// A deadline left behind would fail the next Write at once
		// (the poller checks it before the first attempt).
		r.nc.SetWriteDeadline(time.Time{})
	}
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	return done, err
}
