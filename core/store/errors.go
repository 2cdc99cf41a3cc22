package store

import (
	"errors"
	"fmt"
)

// Errors returned by the store.
var (
	// ErrNotFound: the path holds no value.
	ErrNotFound = errors.New("store: no such path")
	// ErrReadOnly: the node is an HA secondary or relay and refuses writes
	// that do not come from its primary, as ConfD refuses write
	// transactions on a secondary.
	ErrReadOnly = errors.New("store: read-only: this node is an HA secondary or relay")
	// ErrBadValue: a value of an unsupported type or malformed encoding.
	ErrBadValue = errors.New("store: bad value")
	// ErrBadPath: a malformed path.
	ErrBadPath = errors.New("store: bad path")
	// ErrCorrupt: a checksum or digest did not match: corrupted file,
	// corrupted replication stream, or a replica that diverged from its
	// primary. The data was not used.
	ErrCorrupt = errors.New("store: corrupted data")
	// ErrOutOfOrder: a replicated commit is not the successor of the local
	// transaction id.
	ErrOutOfOrder = errors.New("store: replicated commit out of order")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)

// guard turns a panic inside bbolt (it panics on some corrupted pages) into
// ErrCorrupt, so a damaged file is reported and never crashes the daemon.
// Use as: defer guard(&err).
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: database file: %v", ErrCorrupt, r)
	}
}
