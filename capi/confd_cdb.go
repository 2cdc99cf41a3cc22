package main

// confd_cdb.h: ConfD's CDB calls over goha's config store, and goha.h's
// change subscriptions (goha_cdb_subscribe, goha_cdb_read_change). The
// varargs entry points and keypath formats are C (confd_cdb.c); this file
// checks the socket and its state, turns the expanded keypath into a store
// path (core/cdb), does one request on the caller's socket and converts
// the answer. The semantics (sessions, subscriptions, the diff walk) are
// core/cdb's and gohad's; the SPEC section of include/confd_cdb.h states
// them for users.

/*
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <confd_cdb.h>
#include <goha.h>
#include "confd_internal.h"

typedef const struct sockaddr gh_confd_csockaddr;
typedef const char gh_cdb_cchar;
typedef const struct confd_value gh_cdb_cvalue;

typedef enum cdb_iter_ret (*gh_cdb_iter_fn)(confd_hkeypath_t *kp, enum cdb_iter_op op,
					    confd_value_t *oldv, confd_value_t *newv, void *state);

// Go cannot call C function pointers: these call the program's callbacks.
static inline int gh_cdb_call_iter(gh_cdb_iter_fn fn, confd_hkeypath_t *kp, int op,
				   confd_value_t *oldv, confd_value_t *newv, void *state)
{
	return (int)fn(kp, (enum cdb_iter_op)op, oldv, newv, state);
}

static inline int gh_cdb_call_change_cb(goha_cdb_change_cb cb, const char *path,
					const confd_value_t *oldv, const confd_value_t *newv,
					void *opaque)
{
	return cb(path, oldv, newv, opaque);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/cdb"
	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// cdbSockState is what a CDB socket remembers between calls (guarded by
// its confdSock's mu).
type cdbSockState struct {
	session  C.int // data socket: the cdb_db_type of the session, 0 for none
	watching bool  // data socket made a change socket (goha_cdb_subscribe)
	points   int   // subscription socket: points registered
	done     bool  // subscription socket: cdb_subscribe_done was called
	pending  bool  // subscription socket: a notification awaits its sync
}

// Session flags cdb_start_session2 knows.
const cdbLockFlags = C.CDB_LOCK_WAIT | C.CDB_LOCK_SESSION | C.CDB_LOCK_REQUEST | C.CDB_LOCK_PARTIAL | C.CDB_READ_COMMITTED

// cdbIterFlags are the cdb_diff_iterate flags confd_lib.h defines.
const cdbIterFlags = C.ITER_WANT_PREV | C.ITER_WANT_ANCESTOR_DELETE | C.ITER_WANT_ATTR | C.ITER_WANT_CLI_STR |
	C.ITER_WANT_SCHEMA_ORDER | C.ITER_WANT_LEAF_FIRST_ORDER | C.ITER_WANT_LEAF_LAST_ORDER | C.ITER_WANT_REVERSE |
	C.ITER_WANT_P_CONTAINER | C.ITER_WANT_CLI_ORDER | C.ITER_WANT_SUPPRESS_OPER_DEFAULTS

//export cdb_connect
func cdb_connect(sock C.int, typ C.enum_cdb_sock_type, srv *C.gh_confd_csockaddr, srvSz C.int) C.int {
	return confdCall("cdb_connect", fmt.Sprintf("sock=%d, type=%d", int(sock), int(typ)), func() error {
		return cdbConnect(sock, typ, srv, srvSz)
	})
}

//export cdb_connect_name
func cdb_connect_name(sock C.int, typ C.enum_cdb_sock_type, srv *C.gh_confd_csockaddr, srvSz C.int, name *C.gh_cdb_cchar) C.int {
	return confdCall("cdb_connect_name", fmt.Sprintf("sock=%d, type=%d", int(sock), int(typ)), func() error {
		if name == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "name is NULL")
		}
		if n := C.strnlen((*C.char)(unsafe.Pointer(name)), C.MAX_DAEMON_NAME_LEN+1); n == 0 || n > C.MAX_DAEMON_NAME_LEN {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "name must be 1..%d bytes", C.MAX_DAEMON_NAME_LEN)
		}
		return cdbConnect(sock, typ, srv, srvSz)
	})
}

func cdbConnect(sock C.int, typ C.enum_cdb_sock_type, srv *C.gh_confd_csockaddr, srvSz C.int) error {
	kind := sockCDB
	switch typ {
	case C.CDB_READ_SOCKET, C.CDB_DATA_SOCKET:
	case C.CDB_SUBSCRIPTION_SOCKET:
		kind = sockCDBSub
	default:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "type %d is not a cdb_sock_type", int(typ))
	}
	id, err := connectSock(int(sock), srv, srvSz)
	if err != nil {
		return err
	}
	s, err := confdHello(int(sock), kind, id, 0)
	if err != nil {
		return err
	}
	confdSocks.add(s)
	return nil
}

// cdbSock looks up a socket of one kind and locks it; call the returned
// unlock when done.
func cdbSock(sock C.int, kind sockKind) (*confdSock, func(), error) {
	s, err := confdSocks.lookup(int(sock), kind)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if kind == sockCDB && s.cdb.watching {
		s.mu.Unlock()
		return nil, nil, confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is a change socket (goha_cdb_subscribe): only goha_cdb_read_change reads it", int(sock))
	}
	return s, s.mu.Unlock, nil
}

// sessionSock is cdbSock for the calls that need a session.
func sessionSock(sock C.int) (*confdSock, func(), error) {
	s, unlock, err := cdbSock(sock, sockCDB)
	if err != nil {
		return nil, nil, err
	}
	if s.cdb.session == 0 {
		unlock()
		return nil, nil, confdErrf(C.CONFD_ERR_NOSESSION, "no session on socket %d (cdb_start_session first)", int(sock))
	}
	return s, unlock, nil
}

//export cdb_close
func cdb_close(sock C.int) C.int {
	return confdCall("cdb_close", fmtFd(sock), func() error {
		var lerr error
		s, err := confdSocks.lookup(int(sock), sockCDB)
		if err != nil {
			s, lerr = confdSocks.lookup(int(sock), sockCDBSub)
		}
		if s != nil {
			s.mu.Lock()
			confdSocks.forget(s)
			if s.kind == sockCDBSub && s.cdb.points > 0 {
				C.gh_cdb_count_points(C.int(-s.cdb.points))
				s.cdb.points = 0
			}
			s.mu.Unlock()
		}
		// ConfD closes the fd even when the call fails.
		if cerr := unix.Close(int(sock)); cerr != nil && s != nil {
			return &osError{what: "close", errno: cerr.(unix.Errno)}
		}
		if s == nil {
			if lerr == nil {
				lerr = err
			}
			return lerr
		}
		return nil
	})
}

//export cdb_wait_start
func cdb_wait_start(sock C.int) C.int {
	return confdCall("cdb_wait_start", fmtFd(sock), func() error {
		s, err := confdSocks.lookup(int(sock), sockCDB)
		if err != nil {
			if s, err = confdSocks.lookup(int(sock), sockCDBSub); err != nil {
				return err
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.call(wire.OpPing, nil, nil) // goha's store is there once gohad answers
	})
}

//export cdb_start_session
func cdb_start_session(sock C.int, db C.enum_cdb_db_type) C.int {
	return confdCall("cdb_start_session", fmt.Sprintf("sock=%d, db=%d", int(sock), int(db)), func() error {
		return startSession(sock, db, 0)
	})
}

//export cdb_start_session2
func cdb_start_session2(sock C.int, db C.enum_cdb_db_type, flags C.int) C.int {
	return confdCall("cdb_start_session2", fmt.Sprintf("sock=%d, db=%d, flags=%#x", int(sock), int(db), int(flags)), func() error {
		return startSession(sock, db, flags)
	})
}

func startSession(sock C.int, db C.enum_cdb_db_type, flags C.int) error {
	s, unlock, err := cdbSock(sock, sockCDB)
	if err != nil {
		return err
	}
	defer unlock()
	switch {
	case db < C.CDB_RUNNING || db > C.CDB_PRE_COMMIT_RUNNING:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "db %d is not a cdb_db_type", int(db))
	case flags&^cdbLockFlags != 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "unknown flags %#x", int(flags&^cdbLockFlags))
	case flags&C.CDB_LOCK_PARTIAL != 0 && db != C.CDB_OPERATIONAL:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "CDB_LOCK_PARTIAL is only for CDB_OPERATIONAL")
	case flags&C.CDB_LOCK_SESSION != 0 && db == C.CDB_OPERATIONAL:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "CDB_LOCK_SESSION is not allowed with CDB_OPERATIONAL")
	case db == C.CDB_PRE_COMMIT_RUNNING:
		return confdErrf(C.CONFD_ERR_NOEXISTS, "goha does not keep CDB_PRE_COMMIT_RUNNING")
	case s.cdb.session != 0:
		return confdErrf(C.CONFD_ERR_BADSTATE, "a session is already active on socket %d", int(sock))
	}
	s.cdb.session = C.int(db) // goha takes no locks: nothing to ask gohad
	return nil
}

//export cdb_end_session
func cdb_end_session(sock C.int) C.int {
	return confdCall("cdb_end_session", fmtFd(sock), func() error {
		s, unlock, err := cdbSock(sock, sockCDB)
		if err != nil {
			return err
		}
		defer unlock()
		if s.cdb.session == 0 {
			return confdErrf(C.CONFD_ERR_NOEXISTS, "no session on socket %d", int(sock))
		}
		s.cdb.session = 0
		return nil
	})
}

//export cdb_set_namespace
func cdb_set_namespace(sock C.int, ns C.int) C.int {
	return confdCall("cdb_set_namespace", fmt.Sprintf("sock=%d, ns=%d", int(sock), int(ns)), func() error {
		_, unlock, err := sessionSock(sock)
		if err == nil {
			unlock() // goha has no namespaces
		}
		return err
	})
}

// keypath turns an expanded keypath into its store path.
func keypath(path *C.char) (string, error) {
	p, err := cdb.Canonical(C.GoStringN(path, C.int(C.strnlen(path, C.GH_CDB_PATH_MAX+1))))
	if err != nil {
		return "", confdErrf(C.CONFD_ERR_BADPATH, "%v", err)
	}
	return p, nil
}

//export gh_cdb_get
func gh_cdb_get(sock C.int, v *C.confd_value_t, path *C.char) C.int {
	return confdCall("cdb_get", fmt.Sprintf("sock=%d, %q", int(sock), C.GoString(path)), func() error {
		if v == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "v is NULL")
		}
		p, err := keypath(path)
		if err != nil {
			return err
		}
		s, unlock, err := sessionSock(sock)
		if err != nil {
			return err
		}
		defer unlock()
		var r wire.CDBValue
		if err := s.call(wire.OpCDBGet, &wire.CDBPathArg{Path: p}, &r); err != nil {
			var ce *confdError
			if errors.As(err, &ce) && ce.code == C.CONFD_ERR_NOEXISTS {
				var e wire.CDBBool
				if s.call(wire.OpCDBExists, &wire.CDBPathArg{Path: p}, &e) == nil && e.Yes {
					return confdErrf(C.CONFD_ERR_BADPATH, "%s is a container or list entry, not a leaf", p)
				}
			}
			return err
		}
		val, err := store.DecodeValue(r.Value)
		if err != nil {
			return confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent a bad value: %v", err)
		}
		if val.Type() == store.TypeString { // ConfD's CDB never returns C_STR
			val = store.Buf([]byte(val.Str()))
		}
		_, err = fillValue(v, val) // the caller frees with confd_free_value
		return err
	})
}

//export gh_cdb_exists
func gh_cdb_exists(sock C.int, path *C.char) C.int {
	found := false
	rc := confdCall("cdb_exists", fmt.Sprintf("sock=%d, %q", int(sock), C.GoString(path)), func() error {
		p, err := keypath(path)
		if err != nil {
			return err
		}
		s, unlock, err := sessionSock(sock)
		if err != nil {
			return err
		}
		defer unlock()
		var r wire.CDBBool
		err = s.call(wire.OpCDBExists, &wire.CDBPathArg{Path: p}, &r)
		found = r.Yes
		return err
	})
	if rc == C.CONFD_OK && found {
		return 1
	}
	return rc
}

// writeSock is sessionSock for the writes: an operational session only.
func writeSock(sock C.int) (*confdSock, func(), error) {
	s, unlock, err := sessionSock(sock)
	if err != nil {
		return nil, nil, err
	}
	if s.cdb.session != C.CDB_OPERATIONAL {
		unlock()
		return nil, nil, confdErrf(C.CONFD_ERR_NOT_WRITABLE, "writes need a CDB_OPERATIONAL session")
	}
	return s, unlock, nil
}

//export gh_cdb_set_elem
func gh_cdb_set_elem(sock C.int, v *C.confd_value_t, path *C.char) C.int {
	return confdCall("cdb_set_elem", fmt.Sprintf("sock=%d, %q", int(sock), C.GoString(path)), func() error {
		p, err := keypath(path)
		if err != nil {
			return err
		}
		val, err := valueOf((*C.gh_cdb_cvalue)(unsafe.Pointer(v)))
		if err != nil {
			return err
		}
		if val.Type() == store.TypeString {
			val = store.Buf([]byte(val.Str())) // stored as ConfD's CDB keeps strings
		}
		s, unlock, err := writeSock(sock)
		if err != nil {
			return err
		}
		defer unlock()
		return s.call(wire.OpCDBSet, &wire.CDBSetArg{Path: p, Value: val.Encode()}, nil)
	})
}

//export gh_cdb_set_elem2
func gh_cdb_set_elem2(sock C.int, strval *C.char, path *C.char) C.int {
	return confdCall("cdb_set_elem2", fmt.Sprintf("sock=%d, %q", int(sock), C.GoString(path)), func() error {
		if strval == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "strval is NULL")
		}
		n := C.strnlen(strval, maxCDBValue+1)
		if n > maxCDBValue {
			return confdErrf(C.CONFD_ERR_BADTYPE, "strval exceeds %d bytes", maxCDBValue)
		}
		p, err := keypath(path)
		if err != nil {
			return err
		}
		s, unlock, err := writeSock(sock)
		if err != nil {
			return err
		}
		defer unlock()
		return s.call(wire.OpCDBSetText, &wire.CDBSetTextArg{Path: p, Text: C.GoStringN(strval, C.int(n))}, nil)
	})
}

//export cdb_get_txid
func cdb_get_txid(sock C.int, txid *C.struct_cdb_txid) C.int {
	return confdCall("cdb_get_txid", fmtFd(sock), func() error {
		if txid == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "txid is NULL")
		}
		s, unlock, err := cdbSock(sock, sockCDB)
		if err != nil {
			return err
		}
		defer unlock()
		var st wire.HAStatus
		if err := s.call(wire.OpHAStatus, nil, &st); err != nil {
			return err
		}
		primary := ""
		switch {
		case st.State == haStatePrimary:
			primary = st.Name
		case (st.State == haStateSecondary || st.State == haStateRelay) && len(st.Nodes) > 0:
			primary = st.Nodes[0].Name
		}
		*txid = C.struct_cdb_txid{s1: C.uint32_t(st.Txid >> 32), s2: C.uint32_t(st.Txid)}
		copyCString(unsafe.Pointer(&txid.primary[0]), len(txid.primary), primary)
		txid.master = &txid.primary[0]
		return nil
	})
}

// confd_ha_status_state values (wire.HAStatus.State).
const (
	haStateSecondary = 2
	haStatePrimary   = 3
	haStateRelay     = 4
)

// ---- subscription sockets ----------------------------------------------

//export gh_cdb_subscribe
func gh_cdb_subscribe(sock C.int, typ C.int, flags C.int, prio C.int, spoint *C.int, path *C.char) C.int {
	return confdCall("cdb_subscribe", fmt.Sprintf("sock=%d, prio=%d, %q", int(sock), int(prio), C.GoString(path)), func() error {
		switch {
		case spoint == nil:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "spoint is NULL")
		case typ == C.CDB_SUB_RUNNING_TWOPHASE || typ == C.CDB_SUB_OPERATIONAL:
			return confdErrf(C.CONFD_ERR_NOT_IMPLEMENTED, "goha has only CDB_SUB_RUNNING subscriptions")
		case typ != C.CDB_SUB_RUNNING:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "type %d is not a cdb_sub_type", int(typ))
		case flags != 0:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "flags %#x: CDB_SUB_WANT_ABORT_ON_ABORT is for two-phase subscriptions", int(flags))
		}
		pat, err := subPattern(path)
		if err != nil {
			return err
		}
		s, unlock, err := cdbSock(sock, sockCDBSub)
		if err != nil {
			return err
		}
		defer unlock()
		var r wire.CDBPoint
		if err := s.call(wire.OpCDBSubscribe, &wire.CDBSubscribeArg{Priority: int(prio), Path: pat}, &r); err != nil {
			return err
		}
		*spoint = C.int(r.ID)
		s.cdb.points++
		C.gh_cdb_count_points(1)
		return nil
	})
}

// subPattern checks a subscription keypath against the hashed keypaths the
// program can take (confd_init's dimensions) and returns its canonical
// form.
func subPattern(path *C.char) (string, error) {
	p, err := cdb.Parse(C.GoStringN(path, C.int(C.strnlen(path, C.GH_CDB_PATH_MAX+1))))
	if err != nil {
		return "", confdErrf(C.CONFD_ERR_BADPATH, "%v", err)
	}
	if err := fitsHKeypath(p); err != nil {
		return "", err
	}
	return p.String(), nil
}

// fitsHKeypath checks that p fits the program's confd_hkeypath_t.
func fitsHKeypath(p cdb.Path) error {
	rows := 0
	for _, e := range p {
		rows++
		if e.Keyed {
			rows++
			if len(e.Keys) > int(C.confd_maxkeylen)-1 {
				return confdErrf(C.CONFD_ERR_BADPATH, "%d keys in %s: more than confd_maxkeylen-1 (%d)", len(e.Keys), e.Name, int(C.confd_maxkeylen)-1)
			}
		}
	}
	if rows > int(C.confd_maxdepth) {
		return confdErrf(C.CONFD_ERR_BADPATH, "%s is %d levels deep: more than confd_maxdepth (%d)", p, rows, int(C.confd_maxdepth))
	}
	return nil
}

//export cdb_subscribe_done
func cdb_subscribe_done(sock C.int) C.int {
	return confdCall("cdb_subscribe_done", fmtFd(sock), func() error {
		s, unlock, err := cdbSock(sock, sockCDBSub)
		if err != nil {
			return err
		}
		defer unlock()
		if err := s.call(wire.OpCDBSubDone, nil, nil); err != nil {
			return err
		}
		s.cdb.done = true
		return nil
	})
}

// readSubEvent reads the next notification of a subscription socket.
func readSubEvent(sock C.int) (wire.CDBSubEvent, error) {
	var e wire.CDBSubEvent
	s, unlock, err := cdbSock(sock, sockCDBSub)
	if err != nil {
		return e, err
	}
	defer unlock()
	switch {
	case !s.cdb.done:
		return e, confdErrf(C.CONFD_ERR_PROTOUSAGE, "cdb_subscribe_done was not called on socket %d", int(sock))
	case s.cdb.pending:
		// gohad sends nothing before the sync: reading would block for ever.
		return e, confdErrf(C.CONFD_ERR_PROTOUSAGE, "sync the previous notification with cdb_sync_subscription_socket first")
	}
	ev, err := s.conn.ReadEvent()
	if err != nil {
		return e, confdErrOf("read_subscription_socket", err)
	}
	if ev.Kind != wire.EvCDBSub {
		return e, confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent event %q, not a CDB notification", ev.Kind)
	}
	if err := wire.DecodeBody(ev.Raw, &e); err != nil {
		return e, confdErrf(C.CONFD_ERR_INTERNAL, "bad CDB notification: %v", err)
	}
	s.cdb.pending = true
	return e, nil
}

//export cdb_read_subscription_socket
func cdb_read_subscription_socket(sock C.int, subPoints *C.int, resultLen *C.int) C.int {
	return confdCall("cdb_read_subscription_socket", fmtFd(sock), func() error {
		if subPoints == nil || resultLen == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "sub_points or resultlen is NULL")
		}
		e, err := readSubEvent(sock)
		if err != nil {
			return err
		}
		out := unsafe.Slice(subPoints, len(e.Points))
		for i, id := range e.Points {
			out[i] = C.int(id)
		}
		*resultLen = C.int(len(e.Points))
		return nil
	})
}

//export cdb_read_subscription_socket2
func cdb_read_subscription_socket2(sock C.int, typ *C.enum_cdb_sub_notification, flags *C.int, subPoints **C.int, resultLen *C.int) C.int {
	return confdCall("cdb_read_subscription_socket2", fmtFd(sock), func() error {
		if subPoints == nil || resultLen == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "subpoints or resultlen is NULL")
		}
		e, err := readSubEvent(sock)
		if err != nil {
			return err
		}
		var arr *C.int
		if len(e.Points) > 0 {
			arr = (*C.int)(C.malloc(C.size_t(len(e.Points)) * C.size_t(unsafe.Sizeof(C.int(0)))))
			if arr == nil {
				return confdErrf(C.CONFD_ERR_MALLOC, "no memory for %d ids", len(e.Points))
			}
			out := unsafe.Slice(arr, len(e.Points))
			for i, id := range e.Points {
				out[i] = C.int(id)
			}
		}
		*subPoints, *resultLen = arr, C.int(len(e.Points))
		if typ != nil {
			*typ = C.CDB_SUB_COMMIT
		}
		if flags != nil {
			*flags = C.int(e.Flags)
		}
		return nil
	})
}

//export cdb_sync_subscription_socket
func cdb_sync_subscription_socket(sock C.int, st C.enum_cdb_subscription_sync_type) C.int {
	return confdCall("cdb_sync_subscription_socket", fmt.Sprintf("sock=%d, st=%d", int(sock), int(st)), func() error {
		if st < C.CDB_DONE_PRIORITY || st > C.CDB_DONE_TRANSACTION {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "sync type %d does not answer a configuration notification", int(st))
		}
		s, unlock, err := cdbSock(sock, sockCDBSub)
		if err != nil {
			return err
		}
		defer unlock()
		if !s.cdb.pending {
			return confdErrf(C.CONFD_ERR_BADSTATE, "no notification awaits a sync on socket %d", int(sock))
		}
		if err := s.call(wire.OpCDBSync, &wire.CDBSyncArg{Type: int(st)}, nil); err != nil {
			return err
		}
		s.cdb.pending = false
		return nil
	})
}

//export cdb_diff_iterate
func cdb_diff_iterate(sock C.int, subid C.int, iter C.gh_cdb_iter_fn, flags C.int, state unsafe.Pointer) C.int {
	return confdCall("cdb_diff_iterate", fmt.Sprintf("sock=%d, subid=%d, flags=%#x", int(sock), int(subid), int(flags)), func() error {
		switch {
		case iter == nil:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "iter is NULL")
		case flags&^cdbIterFlags != 0:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "unknown flags %#x", int(flags&^cdbIterFlags))
		}
		nodes, err := diffNodes(sock, subid, flags)
		if err != nil {
			return err
		}
		// The socket is not locked from here: iter may use the library.
		return walkDiff(nodes, iter, flags&C.ITER_WANT_PREV != 0, state)
	})
}

// diffNodes asks gohad for the walk of point subid.
func diffNodes(sock, subid, flags C.int) ([]wire.CDBDiffNode, error) {
	s, unlock, err := cdbSock(sock, sockCDBSub)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !s.cdb.pending {
		return nil, confdErrf(C.CONFD_ERR_BADSTATE, "no notification was read on socket %d (diff_iterate goes between read_subscription_socket and sync)", int(sock))
	}
	var d wire.CDBDiff
	if err := s.call(wire.OpCDBDiff, &wire.CDBDiffArg{Point: int(subid), Flags: int(flags & C.ITER_WANT_ANCESTOR_DELETE)}, &d); err != nil {
		return nil, err
	}
	return d.Nodes, nil
}

// walkDiff calls iter once per node, steering by its return values: the
// nodes are in pre-order with depths, so CONTINUE skips the deeper nodes
// that follow and UP also the rest of the node's siblings.
func walkDiff(nodes []wire.CDBDiffNode, iter C.gh_cdb_iter_fn, wantPrev bool, state unsafe.Pointer) error {
	kp := C.gh_hkp_alloc()
	if kp == nil {
		return confdErrf(C.CONFD_ERR_MALLOC, "no memory for a keypath")
	}
	defer C.free(unsafe.Pointer(kp))
	vals := (*[2]C.confd_value_t)(C.calloc(1, C.size_t(unsafe.Sizeof([2]C.confd_value_t{}))))
	if vals == nil {
		return confdErrf(C.CONFD_ERR_MALLOC, "no memory for values")
	}
	defer C.free(unsafe.Pointer(vals))
	for i := 0; i < len(nodes); i++ {
		n := nodes[i]
		ret, err := iterOne(kp, vals, n, iter, wantPrev, state)
		if err != nil {
			return err
		}
		switch ret {
		case C.ITER_STOP:
			return nil
		case C.ITER_RECURSE:
		case C.ITER_CONTINUE, C.ITER_UP:
			depth := n.Depth // CONTINUE: skip the children; UP: the parent's rest too
			if ret == C.ITER_UP {
				depth--
			}
			for i+1 < len(nodes) && nodes[i+1].Depth > depth {
				i++
			}
		case C.ITER_SUSPEND:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "iter returned ITER_SUSPEND: goha has no cdb_diff_iterate_resume")
		default:
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "iter returned %d, which is no confd_iter_ret", int(ret))
		}
	}
	return nil
}

// iterOne calls iter for one node, with its keypath in kp and its values
// in vals (C memory freed after the call). A node too deep for the
// program's keypaths is skipped (ITER_CONTINUE) with a debug line.
func iterOne(kp *C.confd_hkeypath_t, vals *[2]C.confd_value_t, n wire.CDBDiffNode, iter C.gh_cdb_iter_fn, wantPrev bool, state unsafe.Pointer) (C.int, error) {
	mem, err := fillKeypath(kp, n.Path)
	defer freeAll(mem)
	if err != nil {
		confdTrace(fmt.Sprintf("cdb_diff_iterate: skipping %s: %v", n.Path, err))
		return C.ITER_CONTINUE, nil
	}
	var oldv, newv *C.confd_value_t
	set := func(i int, enc []byte) (*C.confd_value_t, error) {
		v, err := store.DecodeValue(enc)
		if err != nil {
			return nil, confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent a bad value for %s: %v", n.Path, err)
		}
		if v.Type() == store.TypeString {
			v = store.Buf([]byte(v.Str()))
		}
		m, err := fillValue(&vals[i], v)
		mem = append(mem, m)
		return &vals[i], err
	}
	if wantPrev && len(n.Old) > 0 {
		if oldv, err = set(0, n.Old); err != nil {
			return 0, err
		}
	}
	if len(n.New) > 0 {
		if newv, err = set(1, n.New); err != nil {
			return 0, err
		}
	}
	return C.gh_cdb_call_iter(iter, kp, C.int(n.Op), oldv, newv, state), nil
}

func freeAll(mem []unsafe.Pointer) {
	for _, m := range mem {
		C.free(m) // free(NULL) is a no-op
	}
}

// fillKeypath writes the hashed keypath of store path p into kp (see
// confd_cdb.h, "Hashed keypaths") and returns the C memory of its keys.
func fillKeypath(kp *C.confd_hkeypath_t, p string) ([]unsafe.Pointer, error) {
	elems := cdb.Split(p)
	if err := fitsHKeypath(elems); err != nil {
		return nil, err
	}
	var mem []unsafe.Pointer
	row := 0
	for i := len(elems) - 1; i >= 0; i-- {
		e := elems[i]
		if e.Keyed {
			for j, k := range e.Keys {
				cell := C.gh_hkp_cell(kp, C.int(row), C.int(j))
				m, _ := fillValue(cell, store.Buf([]byte(k)))
				mem = append(mem, m)
			}
			if len(e.Keys) < int(C.confd_maxkeylen) {
				*C.gh_hkp_cell(kp, C.int(row), C.int(len(e.Keys))) = C.confd_value_t{_type: C.C_NOEXISTS}
			}
			row++
		}
		tag := cdb.Tag(e.Name)
		name := C.CString(e.Name)
		C.gh_tag_register(C.uint32_t(tag), name, C.int(len(e.Name)))
		C.free(unsafe.Pointer(name))
		cell := C.gh_hkp_cell(kp, C.int(row), 0)
		*cell = C.confd_value_t{_type: C.C_XMLTAG}
		xt := (*C.struct_xml_tag)(unsafe.Pointer(&cell.val))
		xt.tag, xt.ns = C.uint32_t(tag), 0
		row++
	}
	kp.len = C.int(row)
	return mem, nil
}

// ---- goha.h change subscriptions ---------------------------------------

//export goha_cdb_subscribe
func goha_cdb_subscribe(sock C.int, prefix *C.gh_cdb_cchar, resume C.int, after C.uint64_t, start *C.uint64_t) C.int {
	return confdCall("goha_cdb_subscribe", fmt.Sprintf("sock=%d, resume=%d, after=%d", int(sock), int(resume), uint64(after)), func() error {
		p, err := cdbPrefix(prefix)
		if err != nil {
			return err
		}
		if resume != 0 && resume != 1 {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "resume is %d, not 0 or 1", int(resume))
		}
		s, unlock, err := cdbSock(sock, sockCDB)
		if err != nil {
			return err
		}
		defer unlock()
		var r wire.CDBWatchResult
		if err := s.call(wire.OpCDBWatch, &wire.CDBWatchArg{Prefix: p, Resume: resume == 1, After: uint64(after)}, &r); err != nil {
			return err
		}
		s.cdb.watching = true
		if start != nil {
			*start = C.uint64_t(r.Txid)
		}
		return nil
	})
}

//export goha_cdb_read_change
func goha_cdb_read_change(sock C.int, txid *C.uint64_t, flags *C.int, cb C.goha_cdb_change_cb, opaque unsafe.Pointer) C.int {
	return readChangeCall("goha_cdb_read_change", sock, cb, opaque, func(e *client.ChangeEvent) {
		if txid != nil {
			*txid = C.uint64_t(e.Txid)
		}
		if flags != nil {
			*flags = changeFlags(e)
		}
	})
}

//export goha_cdb_read_change2
func goha_cdb_read_change2(sock C.int, info *C.struct_goha_cdb_change_info, cb C.goha_cdb_change_cb, opaque unsafe.Pointer) C.int {
	return readChangeCall("goha_cdb_read_change2", sock, cb, opaque, func(e *client.ChangeEvent) {
		if info != nil {
			*info = C.struct_goha_cdb_change_info{txid: C.uint64_t(e.Txid), prev: C.uint64_t(e.Prev),
				discarded_from: C.uint64_t(e.Discarded[0]), discarded_to: C.uint64_t(e.Discarded[1]), flags: changeFlags(e)}
		}
	})
}

// changeFlags are e's GOHA_CDB_* bits.
func changeFlags(e *client.ChangeEvent) C.int {
	f := C.int(0)
	if e.Reset {
		f |= C.GOHA_CDB_RESET
	}
	if e.Resync {
		f |= C.GOHA_CDB_RESYNC
	}
	if e.Discarded != [2]uint64{} {
		f |= C.GOHA_CDB_DISCARDED
	}
	return f
}

// readChangeCall reads one change event, hands it to report, then calls
// cb per change; it returns the number of changes.
func readChangeCall(name string, sock C.int, cb C.goha_cdb_change_cb, opaque unsafe.Pointer, report func(*client.ChangeEvent)) C.int {
	count := 0
	rc := confdCall(name, fmtFd(sock), func() error {
		e, err := readChange(sock)
		if err != nil {
			return err
		}
		report(&e)
		count = len(e.Changes)
		if cb == nil {
			return nil
		}
		// The socket is not locked here: cb may use the library.
		return changeCallbacks(e.Changes, cb, opaque)
	})
	if rc != C.CONFD_OK {
		return rc
	}
	return C.int(count)
}

// readChange reads one change event from a change socket.
func readChange(sock C.int) (client.ChangeEvent, error) {
	s, err := confdSocks.lookup(int(sock), sockCDB)
	if err != nil {
		return client.ChangeEvent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.cdb.watching {
		return client.ChangeEvent{}, confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is not a change socket (goha_cdb_subscribe first)", int(sock))
	}
	ev, err := s.conn.ReadEvent()
	if err != nil {
		return client.ChangeEvent{}, confdErrOf("goha_cdb_read_change", err)
	}
	e, err := client.ChangeEventOf(ev)
	if err != nil {
		return e, confdErrf(C.CONFD_ERR_INTERNAL, "%v", err)
	}
	return e, nil
}

// changeCallbacks calls cb for each change, stopping when it asks.
func changeCallbacks(changes []client.Change, cb C.goha_cdb_change_cb, opaque unsafe.Pointer) error {
	vals := (*[2]C.confd_value_t)(C.calloc(1, C.size_t(unsafe.Sizeof([2]C.confd_value_t{}))))
	if vals == nil {
		return confdErrf(C.CONFD_ERR_MALLOC, "no memory for values")
	}
	defer C.free(unsafe.Pointer(vals))
	for _, ch := range changes {
		stop, err := changeOne(ch, vals, cb, opaque)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func changeOne(ch client.Change, vals *[2]C.confd_value_t, cb C.goha_cdb_change_cb, opaque unsafe.Pointer) (bool, error) {
	var mem []unsafe.Pointer
	defer func() { freeAll(mem) }()
	var ptrs [2]*C.confd_value_t
	for i, v := range [2]store.Value{ch.Old, ch.New} {
		if v.Type() == 0 {
			continue
		}
		m, err := fillValue(&vals[i], v)
		mem = append(mem, m)
		if err != nil {
			return true, err
		}
		ptrs[i] = &vals[i]
	}
	path := cBytes([]byte(ch.Path))
	mem = append(mem, unsafe.Pointer(path))
	return C.gh_cdb_call_change_cb(cb, path, ptrs[0], ptrs[1], opaque) != 0, nil
}
