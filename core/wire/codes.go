package wire

import "fmt"

// Code is the outcome of a control request. The values are part of the
// protocol: never renumber them. client.Error carries them to callers; the
// C layer maps them to cs_error_t and cmm_error_t per operation.
type Code uint16

// Reply codes.
const (
	CodeOK           Code = 0
	CodeInvalid      Code = 1  // a parameter is out of range or refused by quorum rules
	CodeNotExist     Code = 2  // no such node (getinfo), nothing registered, not tracking
	CodeExist        Code = 3  // already exists / registered with another name / already tracking
	CodeNameNotFound Code = 4  // setvotes on an unknown node id
	CodeAccess       Code = 5  // operation disabled by configuration (qdevice with two_node, ...)
	CodeTryAgain     Code = 6  // busy now, retry (e.g. a change is in progress)
	CodeRingMismatch Code = 7  // qdevice poll with a ring id that is not the current one
	CodePerm         Code = 8  // not allowed on this node (not the master, a master exists)
	CodeCanceled     Code = 9  // no node can take over (mastership release, remove)
	CodeNoCluster    Code = 10 // this node is in no quorate view, or no master is elected
	CodeNotSupported Code = 11 // operation known but not supported here
	CodeUnknownOp    Code = 12 // the daemon does not know this op
	CodeBadRequest   Code = 13 // malformed arguments
	CodeInternal     Code = 14 // unexpected daemon-side failure
	CodeVersion      Code = 15 // protocol version not supported
	CodeShutdown     Code = 16 // the daemon is shutting down
	CodeNotMember    Code = 17 // node is configured but out of the cluster (cmm_member_getinfo)
)

var codeNames = map[Code]string{
	CodeOK:           "ok",
	CodeInvalid:      "invalid parameter",
	CodeNotExist:     "does not exist",
	CodeExist:        "already exists",
	CodeNameNotFound: "node not found",
	CodeAccess:       "access denied by configuration",
	CodeTryAgain:     "try again",
	CodeRingMismatch: "ring id mismatch",
	CodePerm:         "not permitted on this node",
	CodeCanceled:     "canceled: no node can take over",
	CodeNoCluster:    "no cluster (not quorate or no master)",
	CodeNotSupported: "not supported",
	CodeUnknownOp:    "unknown operation",
	CodeBadRequest:   "bad request",
	CodeInternal:     "internal daemon error",
	CodeVersion:      "protocol version not supported",
	CodeShutdown:     "daemon shutting down",
	CodeNotMember:    "node is out of the cluster",
}

func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", uint16(c))
}
