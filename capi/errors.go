package main

// The error tables of libgoha: the only place where daemon outcomes
// (wire.Code, carried by client.Error) and the client core's connection
// errors become C numbers, one table per API family: csCodes (cs_error_t:
// votequorum and the other corosync families), cmmCodes (cmm_error_t) and
// confdCodes (confd_errno: confd_ha_*, notifications, goha_cdb_*, cdb_*).
// Failures decided inside capi (argument checks) carry their family's
// number directly (csError, cmmError, confdError).

/*
#include <corosync/corotypes.h>
#include <cmm.h>
#include <confd_lib.h>
*/
import "C"

import (
	"errors"
	"syscall"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

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

// csCodes maps daemon reply codes to cs_error_t.
var csCodes = map[wire.Code]C.cs_error_t{
	wire.CodeOK:           C.CS_OK,
	wire.CodeInvalid:      C.CS_ERR_INVALID_PARAM,
	wire.CodeNotExist:     C.CS_ERR_NOT_EXIST,
	wire.CodeExist:        C.CS_ERR_EXIST,
	wire.CodeNameNotFound: C.CS_ERR_NAME_NOT_FOUND,
	wire.CodeAccess:       C.CS_ERR_ACCESS,
	wire.CodeTryAgain:     C.CS_ERR_TRY_AGAIN,
	wire.CodeRingMismatch: C.CS_ERR_MESSAGE_ERROR,
	wire.CodePerm:         C.CS_ERR_ACCESS,
	wire.CodeCanceled:     C.CS_ERR_FAILED_OPERATION,
	wire.CodeNoCluster:    C.CS_ERR_TRY_AGAIN,
	wire.CodeNotMember:    C.CS_ERR_NOT_EXIST,
	wire.CodeNotSupported: C.CS_ERR_NOT_SUPPORTED,
	wire.CodeUnknownOp:    C.CS_ERR_VERSION,
	wire.CodeVersion:      C.CS_ERR_VERSION,
	wire.CodeBadRequest:   C.CS_ERR_INVALID_PARAM,
	wire.CodeInternal:     C.CS_ERR_LIBRARY,
	wire.CodeShutdown:     C.CS_ERR_LIBRARY,
	wire.CodeAuth:         C.CS_ERR_ACCESS,
	wire.CodeNameTooLong:  C.CS_ERR_NAME_TOO_LONG,
	wire.CodeBusy:         C.CS_ERR_BUSY,
	wire.CodeNoSpace:      C.CS_ERR_NO_SPACE,
}

// errorToCS maps any error of a votequorum call to its status code.
func errorToCS(err error) C.cs_error_t {
	if err == nil {
		return C.CS_OK
	}
	var ce *csError
	if errors.As(err, &ce) {
		return ce.code
	}
	switch errKind(err) {
	case kindGone, kindProtocol, kindOverflow:
		return C.CS_ERR_LIBRARY
	case kindTimeout:
		return C.CS_ERR_TIMEOUT
	case kindClosed:
		return C.CS_ERR_BAD_HANDLE
	}
	if code, ok := replyCode(err); ok {
		if rc, ok := csCodes[code]; ok {
			return rc
		}
	}
	return C.CS_ERR_LIBRARY
}

// cmmCodes maps daemon reply codes to cmm_error_t.
var cmmCodes = map[wire.Code]C.cmm_error_t{
	wire.CodeOK:           C.CMM_OK,
	wire.CodeInvalid:      C.CMM_EINVAL,
	wire.CodeNotExist:     C.CMM_ESRCH,
	wire.CodeExist:        C.CMM_EEXIST,
	wire.CodeNameNotFound: C.CMM_ESRCH,
	wire.CodeAccess:       C.CMM_EPERM,
	wire.CodeTryAgain:     C.CMM_EBUSY,
	wire.CodeRingMismatch: C.CMM_EINVAL,
	wire.CodePerm:         C.CMM_EPERM,
	wire.CodeCanceled:     C.CMM_ECANCELED,
	wire.CodeNoCluster:    C.CMM_ENOCLUSTER,
	wire.CodeNotMember:    C.CMM_ESRCH,
	wire.CodeNotSupported: C.CMM_ENOTSUP,
	wire.CodeUnknownOp:    C.CMM_ENOTSUP,
	wire.CodeVersion:      C.CMM_ENOTSUP,
	wire.CodeBadRequest:   C.CMM_EINVAL,
	wire.CodeInternal:     C.CMM_ENOTSUP,
	wire.CodeShutdown:     C.CMM_ECONN,
	wire.CodeAuth:         C.CMM_EPERM,
}

func errorToCMM(err error) C.cmm_error_t {
	if err == nil {
		return C.CMM_OK
	}
	var ce *cmmError
	if errors.As(err, &ce) {
		return ce.code
	}
	switch errKind(err) {
	case kindGone:
		return C.CMM_ECONN
	case kindTimeout:
		return C.CMM_ETIMEDOUT
	case kindClosed, kindOverflow:
		return C.CMM_EBADF
	case kindProtocol:
		return C.CMM_ENOTSUP
	}
	if code, ok := replyCode(err); ok {
		if rc, ok := cmmCodes[code]; ok {
			return rc
		}
	}
	return C.CMM_ENOTSUP
}

// confdCodes maps daemon reply codes to confd_errno. Codes missing here
// are CONFD_ERR_INTERNAL.
var confdCodes = map[wire.Code]C.int{
	wire.CodeOK:           0,
	wire.CodeBadRequest:   C.CONFD_ERR_PROTOUSAGE,
	wire.CodeUnknownOp:    C.CONFD_ERR_NOT_IMPLEMENTED,
	wire.CodeShutdown:     C.CONFD_ERR_EOF,
	wire.CodeAccess:       C.CONFD_ERR_ACCESS_DENIED,
	wire.CodeAuth:         C.CONFD_ERR_ACCESS_DENIED,
	wire.CodeNoValue:      C.CONFD_ERR_NOEXISTS,
	wire.CodeNotWritable:  C.CONFD_ERR_NOT_WRITABLE,
	wire.CodeBadValue:     C.CONFD_ERR_BADTYPE,
	wire.CodeBadPath:      C.CONFD_ERR_BADPATH,
	wire.CodeBadState:     C.CONFD_ERR_BADSTATE,
	wire.CodeUsage:        C.CONFD_ERR_PROTOUSAGE,
	wire.CodeHAConnect:    C.CONFD_ERR_HA_CONNECT,
	wire.CodeHAClosed:     C.CONFD_ERR_HA_CLOSED,
	wire.CodeHABadSchema:  C.CONFD_ERR_HA_BADFXS,
	wire.CodeHABadToken:   C.CONFD_ERR_HA_BADTOKEN,
	wire.CodeHABadName:    C.CONFD_ERR_HA_BADNAME,
	wire.CodeHABind:       C.CONFD_ERR_HA_BIND,
	wire.CodeHANoTick:     C.CONFD_ERR_HA_NOTICK,
	wire.CodeHABadVersion: C.CONFD_ERR_HA_BADVSN,
	wire.CodeHAAbort:      C.CONFD_ERR_HA_ABORT,
	wire.CodeUnavailable:  C.CONFD_ERR_UNAVAILABLE,
}

// confdErrno is the confd_errno of daemon code c.
func confdErrno(c wire.Code) C.int {
	if e, ok := confdCodes[c]; ok {
		return e
	}
	return C.CONFD_ERR_INTERNAL
}

// confdErrOf maps an error of the client core to confd_errno: the
// daemon's refusal by its code, a closed connection to CONFD_EOF, a failed
// system call to CONFD_ERR_OS with its errno, anything else (undecodable
// traffic) to CONFD_ERR_INTERNAL.
func confdErrOf(op string, err error) error {
	var ce *client.Error
	var errno syscall.Errno
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return replyError(op, ce.Code, ce.Msg)
	case client.IsEOF(err), errors.Is(err, client.ErrClosed):
		return errEOF(op)
	case errors.Is(err, client.ErrProtocol):
		return confdErrf(C.CONFD_ERR_INTERNAL, "%s: %v", op, err)
	case errors.As(err, &errno):
		return &osError{what: op + ": " + err.Error(), errno: errno}
	}
	return confdErrf(C.CONFD_ERR_INTERNAL, "%s: %v", op, err)
}

// replyError maps a refused request to confd_errno.
func replyError(op string, code wire.Code, msg string) error {
	switch code {
	case wire.CodeBadRequest:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "%s: %s", op, msg)
	case wire.CodeUnknownOp:
		return confdErrf(C.CONFD_ERR_NOT_IMPLEMENTED, "%s: this gohad does not support it: %s", op, msg)
	case wire.CodeShutdown:
		return errEOF(op)
	}
	if e, ok := confdCodes[code]; ok {
		return confdErrf(e, "%s", msg)
	}
	return confdErrf(C.CONFD_ERR_INTERNAL, "%s: %s: %s", op, code, msg)
}
