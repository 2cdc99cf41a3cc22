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
// Connection-level failures are sentinel errors; daemon refusals are
// *Error values carrying a wire.Code. CodeOf(err) reduces any error to a
// code the C layer maps per API family:
//
//	error / code             votequorum (cs_error_t)     cmm (cmm_error_t)
//	ErrDaemonGone            CS_ERR_LIBRARY      2       CMM_ECONN      -88
//	ErrTimeout               CS_ERR_TIMEOUT      5       CMM_ETIMEDOUT  -87
//	ErrClosed                CS_ERR_BAD_HANDLE   9       CMM_EBADF     -100
//	ErrEventOverflow         CS_ERR_LIBRARY      2       CMM_EBADF     -100
//	ErrProtocol              CS_ERR_LIBRARY      2       CMM_ENOTSUP    -93
//	CodeInvalid              CS_ERR_INVALID_PARAM 7      CMM_EINVAL     -96
//	CodeNotExist             CS_ERR_NOT_EXIST    12      CMM_ESRCH      -90
//	CodeExist                CS_ERR_EXIST        14      CMM_EEXIST     -97
//	CodeNameNotFound         CS_ERR_NAME_NOT_FOUND 17    CMM_ESRCH      -90
//	CodeAccess               CS_ERR_ACCESS       11      CMM_EPERM      -92
//	CodeTryAgain             CS_ERR_TRY_AGAIN     6      CMM_EBUSY      -99
//	CodeRingMismatch         CS_ERR_MESSAGE_ERROR 22     CMM_EINVAL     -96
//	CodePerm                 CS_ERR_ACCESS       11      CMM_EPERM      -92
//	CodeCanceled             CS_ERR_FAILED_OPERATION 21  CMM_ECANCELED  -98
//	CodeNoCluster            CS_ERR_TRY_AGAIN     6      CMM_ENOCLUSTER -89
//	CodeNotMember            CS_ERR_NOT_EXIST    12      CMM_ESRCH      -90
//	CodeNotSupported         CS_ERR_NOT_SUPPORTED 19     CMM_ENOTSUP    -93
//	CodeUnknownOp, CodeVersion CS_ERR_VERSION     3      CMM_ENOTSUP    -93
//	CodeBadRequest           CS_ERR_INVALID_PARAM 7      CMM_EINVAL     -96
//	CodeInternal             CS_ERR_LIBRARY       2      CMM_ENOTSUP    -93
//	CodeShutdown             CS_ERR_LIBRARY       2      CMM_ECONN      -88
//
// The daemon's own codes per operation are listed in core/node's doc.
package client
