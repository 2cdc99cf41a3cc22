package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// dialTimeout bounds connecting and the hello exchange; requests then use
// the family's own timeout.
const dialTimeout = 5 * time.Second

// errGone wraps the loss of the daemon as seen by dispatch.
var errGone = client.ErrDaemonGone

// dial connects to the daemon named by GOHA_IPC (read at each call, so a
// process may change it between initializations) and sets the per-request
// timeout (0: none, as corosync's libraries wait forever).
func dial(timeout time.Duration) (*client.Client, error) {
	return dialAddr(ipcAddr(), timeout)
}

func dialAddr(addr string, timeout time.Duration) (*client.Client, error) {
	c, err := client.DialWith(addr, dialTimeout, clientOptions())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	c.SetTimeout(timeout)
	return c, nil
}

// errorKind classifies connection-level errors of core/client.
type errorKind int

const (
	kindReply    errorKind = iota // a daemon reply code, or not a client error
	kindGone                      // daemon unreachable or connection lost
	kindTimeout                   // no reply in time
	kindClosed                    // we closed the connection (finalize)
	kindProtocol                  // undecodable traffic
	kindOverflow                  // the consumer fell too far behind on events
)

func errKind(err error) errorKind {
	switch {
	case errors.Is(err, client.ErrDaemonGone):
		return kindGone
	case errors.Is(err, client.ErrTimeout):
		return kindTimeout
	case errors.Is(err, client.ErrClosed):
		return kindClosed
	case errors.Is(err, client.ErrEventOverflow):
		return kindOverflow
	case errors.Is(err, client.ErrProtocol):
		return kindProtocol
	}
	return kindReply
}

// replyCode returns the daemon's code when err is a refusal.
func replyCode(err error) (wire.Code, bool) {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}
