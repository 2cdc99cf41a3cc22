package main

import (
	"fmt"
	"time"

	"github.com/goha/goha/core/client"
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
