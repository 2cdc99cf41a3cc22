package ha

import (
	"errors"
	"fmt"
)

// confd_errno values used by HA (numbers from confd_lib.h).
const (
	CodeNotWritable = 4  // CONFD_ERR_NOT_WRITABLE: write on a secondary or relay
	CodeBadState    = 17 // CONFD_ERR_BADSTATE: berelay on a node that is not a secondary
	CodeHAConnect   = 25 // CONFD_ERR_HA_CONNECT: could not connect to the primary
	CodeHAClosed    = 26 // CONFD_ERR_HA_CLOSED: the peer closed, or the initial sync failed
	CodeHABadFXS    = 27 // CONFD_ERR_HA_BADFXS: different schema id
	CodeHABadToken  = 28 // CONFD_ERR_HA_BADTOKEN: different token
	CodeHABadName   = 29 // CONFD_ERR_HA_BADNAME: the remote node is not the one named
	CodeHABind      = 30 // CONFD_ERR_HA_BIND: could not bind the HA listener
	CodeHANoTick    = 31 // CONFD_ERR_HA_NOTICK: the peer stopped ticking
	CodeHABadVsn    = 52 // CONFD_ERR_HA_BADVSN: incompatible protocol version
	CodeHAAbort     = 71 // CONFD_ERR_HA_ABORT: transaction aborted by an HA transition
)

var codeText = map[int]string{
	CodeNotWritable: "not writable (HA secondary)",
	CodeBadState:    "bad state",
	CodeHAConnect:   "failed to connect to remote HA node",
	CodeHAClosed:    "remote HA node closed socket to us",
	CodeHABadFXS:    "remote HA node has incompatible schema",
	CodeHABadToken:  "remote HA node has bad credentials",
	CodeHABadName:   "remote HA node has other/wrong name",
	CodeHABind:      "failed to bind HA socket",
	CodeHANoTick:    "remote HA node doesn't send us any ticks",
	CodeHABadVsn:    "remote HA node has incompatible version",
	CodeHAAbort:     "transaction aborted by HA transition",
}

// Error is an HA failure carrying the confd_errno Code the C API reports.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string {
	t := codeText[e.Code]
	if e.Msg == "" {
		return fmt.Sprintf("ha: %s (%d)", t, e.Code)
	}
	return fmt.Sprintf("ha: %s (%d): %s", t, e.Code, e.Msg)
}

// Is makes errors.Is(err, ErrBadState) etc. match on the code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Msg == ""
}

// Errf returns an *Error with the given code.
func Errf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Sentinel errors, matched with errors.Is on the code.
var (
	// ErrBadState: the command is not allowed in the current role.
	ErrBadState = &Error{Code: CodeBadState}
	// ErrNotWritable: a local write on a secondary or relay.
	ErrNotWritable = &Error{Code: CodeNotWritable}
	// ErrHAConnect: could not connect to the primary.
	ErrHAConnect = &Error{Code: CodeHAConnect}
	// ErrHAClosed: the connection closed or the initial sync failed.
	ErrHAClosed = &Error{Code: CodeHAClosed}
	// ErrHABadFXS: schema mismatch.
	ErrHABadFXS = &Error{Code: CodeHABadFXS}
	// ErrHABadToken: token mismatch.
	ErrHABadToken = &Error{Code: CodeHABadToken}
	// ErrHABadName: the remote node has another name.
	ErrHABadName = &Error{Code: CodeHABadName}
	// ErrHABind: the HA listener could not bind.
	ErrHABind = &Error{Code: CodeHABind}
	// ErrHANoTick: the peer stopped ticking.
	ErrHANoTick = &Error{Code: CodeHANoTick}
	// ErrHABadVsn: protocol version mismatch.
	ErrHABadVsn = &Error{Code: CodeHABadVsn}
	// ErrHAAbort: a commit was aborted by an HA transition.
	ErrHAAbort = &Error{Code: CodeHAAbort}
)

// CodeOf returns the confd_errno of err (CONFD_ERR_INTERNAL, 18, for
// errors that are not *Error; 0 for nil).
func CodeOf(err error) int {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 18
}
