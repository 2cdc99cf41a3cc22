package store

import (
	"errors"
	"fmt"
)

// Errors returned by the store. Each maps to the confd_errno value the C
// API reports for it (see Errno).
var (
	// ErrNotFound: the path holds no value. confd_errno CONFD_ERR_NOEXISTS (1).
	ErrNotFound = errors.New("store: no such path")
	// ErrReadOnly: the node is an HA secondary or relay and refuses writes
	// that do not come from its primary. ConfD refuses write transactions on
	// a secondary; the closest confd_errno is CONFD_ERR_NOT_WRITABLE (4).
	ErrReadOnly = errors.New("store: read-only: this node is an HA secondary or relay")
	// ErrBadValue: a value of an unsupported type or malformed encoding.
	// confd_errno CONFD_ERR_BADTYPE (5).
	ErrBadValue = errors.New("store: bad value")
	// ErrBadPath: a malformed path. confd_errno CONFD_ERR_BADPATH (8).
	ErrBadPath = errors.New("store: bad path")
	// ErrCorrupt: a checksum or digest did not match: corrupted file,
	// corrupted replication stream, or a replica that diverged from its
	// primary. The data was not used. confd_errno CONFD_ERR_INTERNAL (18).
	ErrCorrupt = errors.New("store: corrupted data")
	// ErrOutOfOrder: a replicated commit is not the successor of the local
	// transaction id. confd_errno CONFD_ERR_INTERNAL (18).
	ErrOutOfOrder = errors.New("store: replicated commit out of order")
	// ErrClosed: the store was closed. confd_errno CONFD_ERR_INTERNAL (18).
	ErrClosed = errors.New("store: closed")
)

// confd_errno values used by the store (numbers from confd_lib.h).
const (
	ConfdErrNoExists    = 1
	ConfdErrNotWritable = 4
	ConfdErrBadType     = 5
	ConfdErrBadPath     = 8
	ConfdErrInternal    = 18
)

// Errno maps a store error to the confd_errno the C API sets for it; 0 for nil.
func Errno(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrNotFound):
		return ConfdErrNoExists
	case errors.Is(err, ErrReadOnly):
		return ConfdErrNotWritable
	case errors.Is(err, ErrBadValue):
		return ConfdErrBadType
	case errors.Is(err, ErrBadPath):
		return ConfdErrBadPath
	}
	return ConfdErrInternal
}

// guard turns a panic inside bbolt (it panics on some corrupted pages) into
// ErrCorrupt, so a damaged file is reported and never crashes the daemon.
// Use as: defer guard(&err).
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: database file: %v", ErrCorrupt, r)
	}
}
