// Package client is the client of gohad's control protocol (package wire).
// gohactl, libgoha (capi) and, through libgoha, the Python package all go
// through it.
//
// # Use
//
//	c, err := client.Dial(client.DefaultAddr(), 5*time.Second)
//	if err != nil { ... }          // errors.Is(err, client.ErrDaemonGone)
//	defer c.Close()
//	info, err := c.QuorumInfo(0)   // 0 = the local node
//
// Addresses are "unix:/path/to/sock" or "host:port" (TCP, loopback in
// practice), as in the config key ipc; the host is an IPv4 literal, a
// bracketed IPv6 literal ("[::1]:7000") or a name, whose addresses are
// tried in the resolver's order. DefaultAddr reads GOHA_IPC and falls back
// to DefaultIPC.
//
// # One core, two ways to drive it
//
// Everything a client says and reads is written once (proto.go: the
// hello, request frames and ids, reply decoding into results or *Error,
// event decoding with the sequence check) over one transport, Conn
// (conn.go): a socket descriptor driven with blocking system calls on the
// calling thread, which also dials (addr.go) and exchanges hellos
// (Conn.Handshake, the only place a client sends its hello). Three users
// share it:
//
//   - Client, for Go programs (gohactl, tests) and libgoha's event
//     connections: Dial makes a Conn, handshakes, and hands the socket to
//     the runtime's poller, where a reader goroutine multiplexes replies
//     of concurrent callers and queues events.
//   - libgoha's votequorum requests (DialConn): one outstanding request,
//     blocking I/O on the caller's thread, which is what makes a round
//     trip cheap from a cgo call (see capi/syncconn.go).
//   - libgoha's ConfD sockets (NewConn): the caller's own descriptor,
//     possibly non-blocking (Conn polls), read exactly one frame at a
//     time so that what the daemon sends next stays in the socket for the
//     caller's poll.
//
// # Threading
//
// A *Client is safe for concurrent use by many goroutines. Every operation
// is one synchronous request/reply round trip; requests of different
// goroutines are multiplexed on the one connection by request id, so a
// slow request does not hold up others. The per-call timeout is the one
// given to Dial, changeable with SetTimeout (0 waits forever); a request
// that times out returns ErrTimeout and leaves the connection usable.
//
// # Events
//
// Subscribe selects topics (wire.Topic*); the daemon then pushes events,
// which Events() delivers in daemon order. Each Event carries Seq, which
// grows by exactly one per event on this connection; the client checks
// that and treats a gap as a broken connection, so a consumer that sees
// events has seen all of them. Events are buffered inside the client (up to
// MaxQueuedEvents); a consumer that falls further behind loses the
// connection (ErrEventOverflow) rather than events. When the connection
// ends, the Events channel is closed and Err tells why.
//
// # Errors
//
// Connection-level failures are sentinel errors (ErrDaemonGone, with
// IsEOF for a connection the daemon closed; ErrTimeout; ErrClosed;
// ErrEventOverflow; ErrProtocol); daemon refusals are *Error values
// carrying a wire.Code, which CodeOf returns. libgoha maps both to each C
// API family's numbers, one table per family (capi/errors.go); the
// daemon's codes per operation are listed in core/node's doc. CodeAuth
// comes from the hello of an endpoint with ipc_access_file when the client
// lacks the secret (GOHA_IPC_ACCESS_FILE) or has a wrong one, CodeAccess
// from one whose ipc_allow_uids/gids leave the client's user out.
package client
