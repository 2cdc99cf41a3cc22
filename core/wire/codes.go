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
	CodeAuth         Code = 18 // the endpoint needs its access secret (ipc_access_file), missing or wrong

	// Config store and HA outcomes. Protocol version 1 numbered them from
	// 1000 up; the values stay as they are.
	CodeNoValue      Code = 1001 // config store: no value at the path
	CodeNotWritable  Code = 1004 // a write on an HA secondary or relay
	CodeBadValue     Code = 1005 // a value of an unsupported type or malformed encoding
	CodeBadPath      Code = 1008 // a malformed config store path or keypath
	CodeBadState     Code = 1017 // not allowed in the current HA role or subscription state
	CodeUsage        Code = 1021 // not valid on this connection now (not the HA control connection, nothing to acknowledge)
	CodeHAConnect    Code = 1025 // could not connect to the HA primary
	CodeHAClosed     Code = 1026 // the HA peer closed the connection, or the initial sync failed
	CodeHABadSchema  Code = 1027 // the HA peer has another schema id
	CodeHABadToken   Code = 1028 // the HA peer has another token
	CodeHABadName    Code = 1029 // the HA peer is not the node named
	CodeHABind       Code = 1030 // the HA listener could not bind its address
	CodeHANoTick     Code = 1031 // the HA peer stopped ticking
	CodeUnavailable  Code = 1044 // auto mode: fewer secondaries in sync than min_sync
	CodeHABadVersion Code = 1052 // the HA peer speaks another HA protocol version
	CodeHAAbort      Code = 1071 // a commit was aborted by an HA role change
)

// Codes lists every reply code of this protocol version.
var Codes = []Code{
	CodeOK, CodeInvalid, CodeNotExist, CodeExist, CodeNameNotFound, CodeAccess, CodeTryAgain,
	CodeRingMismatch, CodePerm, CodeCanceled, CodeNoCluster, CodeNotSupported, CodeUnknownOp,
	CodeBadRequest, CodeInternal, CodeVersion, CodeShutdown, CodeNotMember, CodeAuth,
	CodeNoValue, CodeNotWritable, CodeBadValue, CodeBadPath, CodeBadState, CodeUsage,
	CodeHAConnect, CodeHAClosed, CodeHABadSchema, CodeHABadToken, CodeHABadName, CodeHABind,
	CodeHANoTick, CodeHABadVersion, CodeHAAbort, CodeUnavailable,
}

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
	CodeAuth:         "access secret required or wrong (GOHA_IPC_ACCESS_FILE)",
	CodeNoValue:      "no such item",
	CodeNotWritable:  "not writable (HA secondary)",
	CodeBadValue:     "bad value type",
	CodeBadPath:      "bad path",
	CodeBadState:     "bad state",
	CodeUsage:        "protocol usage",
	CodeHAConnect:    "HA connect failed",
	CodeHAClosed:     "HA connection closed",
	CodeHABadSchema:  "HA schema mismatch",
	CodeHABadToken:   "HA bad token",
	CodeHABadName:    "HA bad name",
	CodeHABind:       "HA bind failed",
	CodeHANoTick:     "HA no ticks",
	CodeHABadVersion: "HA bad version",
	CodeHAAbort:      "aborted by HA transition",
	CodeUnavailable:  "unavailable (too few in-sync secondaries)",
}

func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", uint16(c))
}
