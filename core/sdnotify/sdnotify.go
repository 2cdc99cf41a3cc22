// Package sdnotify speaks systemd's service notification protocol
// (sd_notify(3)) without libsystemd: one datagram of "KEY=VALUE" lines to
// the unix socket named by $NOTIFY_SOCKET (a path, or "@name" for the
// abstract namespace). gohad uses it for Type=notify (READY=1 once the
// node has joined a view, STOPPING=1 at shutdown, STATUS= lines) and for
// WatchdogSec (WATCHDOG=1 at half of $WATCHDOG_USEC while the daemon's
// loop is healthy).
//
// The protocol is a few lines, so no dependency is taken for it. Without
// $NOTIFY_SOCKET every call is a no-op, so a daemon started by hand or by
// another supervisor behaves the same.
package sdnotify

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables set by systemd.
const (
	EnvSocket      = "NOTIFY_SOCKET"
	EnvWatchdogUS  = "WATCHDOG_USEC"
	EnvWatchdogPID = "WATCHDOG_PID"
)

// Notifier sends notifications to the socket named at New.
type Notifier struct {
	addr *net.UnixAddr // nil: not running under systemd
}

// New reads $NOTIFY_SOCKET. A Notifier without a socket ignores every call.
func New() *Notifier {
	s := os.Getenv(EnvSocket)
	if s == "" {
		return &Notifier{}
	}
	if s[0] == '@' { // abstract namespace
		s = "\x00" + s[1:]
	}
	return &Notifier{addr: &net.UnixAddr{Name: s, Net: "unixgram"}}
}

// Enabled reports whether a notification socket was given.
func (n *Notifier) Enabled() bool { return n.addr != nil }

// Notify sends one notification, e.g. "READY=1" or "STATUS=joined".
// Several assignments may be joined with newlines.
func (n *Notifier) Notify(state string) error {
	if n.addr == nil {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}

// WatchdogInterval returns how often WATCHDOG=1 must be sent: half of
// $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, or 0 when the service
// has no watchdog (or $WATCHDOG_PID names another process).
func WatchdogInterval() (time.Duration, error) {
	us := os.Getenv(EnvWatchdogUS)
	if us == "" {
		return 0, nil
	}
	if pid := os.Getenv(EnvWatchdogPID); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, nil
	}
	v, err := strconv.ParseUint(strings.TrimSpace(us), 10, 63)
	if err != nil || v == 0 {
		return 0, errors.New(EnvWatchdogUS + "=" + us + ": not a positive number of microseconds")
	}
	return time.Duration(v) * time.Microsecond / 2, nil
}
