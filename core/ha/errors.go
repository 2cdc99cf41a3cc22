package ha

import (
	"errors"
	"fmt"
)

// Code classifies an HA failure. Codes travel in the HA protocol (a
// reject message's Code) and in events, so their values are part of HA
// protocol version 2 and never change; that version took them from ConfD's
// confd_errno. Nothing in the core reads them as C numbers: core/node
// turns them into control-protocol codes (wire.CodeHA*), and libgoha
// those into confd_errno.
type Code int

// HA failure codes.
const (
	CodeNotWritable Code = 4  // write on a secondary or relay
	CodeBadState    Code = 17 // berelay on a node that is not a secondary
	CodeHAConnect   Code = 25 // could not connect to the primary
	CodeHAClosed    Code = 26 // the peer closed, or the initial sync failed
	CodeHABadFXS    Code = 27 // different schema id
	CodeHABadToken  Code = 28 // different token
	CodeHABadName   Code = 29 // the remote node is not the one named
	CodeHABind      Code = 30 // could not bind the HA listener
	CodeHANoTick    Code = 31 // the peer stopped ticking
	CodeUnavailable Code = 44 // auto mode: fewer in-sync secondaries than min_sync
	CodeHABadVsn    Code = 52 // incompatible protocol version
	CodeHAAbort     Code = 71 // transaction aborted by an HA transition
	// CodeInternal is what CodeOf reports for an error that is not an
	// *Error; it never travels.
	CodeInternal Code = 18
)

var codeText = map[Code]string{
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
	CodeUnavailable: "unavailable",
	CodeHAAbort:     "transaction aborted by HA transition",
	CodeInternal:    "internal error",
}

func (c Code) String() string {
	if t, ok := codeText[c]; ok {
		return t
	}
	return fmt.Sprintf("HA code %d", int(c))
}

// Error is an HA failure and its Code.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("ha: %s (%d)", e.Code, int(e.Code))
	}
	return fmt.Sprintf("ha: %s (%d): %s", e.Code, int(e.Code), e.Msg)
}

// Is makes errors.Is(err, ErrBadState) etc. match on the code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Msg == ""
}

// Errf returns an *Error with the given code.
func Errf(code Code, format string, args ...any) *Error {
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

// CodeOf returns the Code of err (CodeInternal for errors that are not
// *Error; 0 for nil).
func CodeOf(err error) Code {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
