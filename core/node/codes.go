package node

import (
	"errors"

	"github.com/goha/goha/core/cdb"
	"github.com/goha/goha/core/corosync"
	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hanet"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// codeOf maps an operation's error to its control-protocol code: an
// *OpError carries its own, an *ha.Error maps by haCodes, the sentinel
// errors of the state machines and subsystems by errorCodes; anything else
// is CodeInternal. These are the only tables from core errors to codes;
// libgoha maps codes to each C API family's numbers (capi).
func codeOf(err error) wire.Code {
	var oe *OpError
	var he *ha.Error
	switch {
	case errors.As(err, &oe):
		return oe.Code
	case errors.As(err, &he):
		if c, ok := haCodes[he.Code]; ok {
			return c
		}
		return wire.CodeInternal
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return wire.CodeInternal
}

// codeErr is err as a reply with code.
func codeErr(code wire.Code, err error) error {
	return &OpError{Code: code, Msg: err.Error()}
}

var errorCodes = []struct {
	err  error
	code wire.Code
}{
	{quorum.ErrInvalidParam, wire.CodeInvalid},
	{quorum.ErrNameNotFound, wire.CodeNameNotFound},
	{quorum.ErrNotExist, wire.CodeNotExist},
	{quorum.ErrExist, wire.CodeExist},
	{quorum.ErrAccess, wire.CodeAccess},
	{quorum.ErrRingMismatch, wire.CodeRingMismatch},
	{membership.ErrNotMaster, wire.CodePerm},
	{membership.ErrMasterExists, wire.CodePerm},
	{membership.ErrRemoved, wire.CodePerm},
	{membership.ErrNotEligible, wire.CodeInvalid},
	{membership.ErrNoCandidate, wire.CodeCanceled},
	{membership.ErrUnknownNode, wire.CodeNotExist},
	{membership.ErrNoCluster, wire.CodeNoCluster},
	{store.ErrNotFound, wire.CodeNoValue},
	{store.ErrReadOnly, wire.CodeNotWritable},
	{store.ErrBadValue, wire.CodeBadValue},
	{store.ErrBadPath, wire.CodeBadPath},
	{store.ErrClosed, wire.CodeShutdown},
	{hanet.ErrClosed, wire.CodeShutdown},
	{cdb.ErrBadPath, wire.CodeBadPath},
	{cdb.ErrBadState, wire.CodeBadState},
	{cdb.ErrNoPoint, wire.CodeNoValue},
	{cdb.ErrUsage, wire.CodeUsage},
	{corosync.ErrNotExist, wire.CodeNotExist},
	{corosync.ErrInvalid, wire.CodeInvalid},
	{corosync.ErrNameTooLong, wire.CodeNameTooLong},
	{corosync.ErrAccess, wire.CodeAccess},
	{corosync.ErrNoShutdown, wire.CodeAccess},
	{corosync.ErrNotSupported, wire.CodeNotSupported},
	{corosync.ErrNoSpace, wire.CodeNoSpace},
	{corosync.ErrShutdownPending, wire.CodeExist},
}

// haCodes maps the HA runtime's failure codes.
var haCodes = map[ha.Code]wire.Code{
	ha.CodeNotWritable: wire.CodeNotWritable,
	ha.CodeBadState:    wire.CodeBadState,
	ha.CodeHAConnect:   wire.CodeHAConnect,
	ha.CodeHAClosed:    wire.CodeHAClosed,
	ha.CodeHABadFXS:    wire.CodeHABadSchema,
	ha.CodeHABadToken:  wire.CodeHABadToken,
	ha.CodeHABadName:   wire.CodeHABadName,
	ha.CodeHABind:      wire.CodeHABind,
	ha.CodeHANoTick:    wire.CodeHANoTick,
	ha.CodeHABadVsn:    wire.CodeHABadVersion,
	ha.CodeHAAbort:     wire.CodeHAAbort,
	ha.CodeUnavailable: wire.CodeUnavailable,
	ha.CodeInternal:    wire.CodeInternal,
}
