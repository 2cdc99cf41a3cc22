package main

// goha_cdb_* (include/goha.h): config store access on a caller's socket,
// with the ConfD family's conventions (confdCall, confd_errno). Values
// travel in core/store's canonical encoding; gohad's store errors come back
// as their confd_errno (store.Errno).

/*
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <confd_lib.h>
#include <goha.h>
#include "confd_internal.h"

typedef const char gh_cdb_cchar;
typedef const struct sockaddr gh_confd_csockaddr;
typedef const struct confd_value gh_cdb_cvalue;
*/
import "C"

import (
	"math"
	"unsafe"

	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// maxCDBValue bounds a C_STR/C_BUF/C_BINARY value (the store's limit).
const maxCDBValue = store.MaxValueLen

//export goha_cdb_connect
func goha_cdb_connect(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int) C.int {
	return confdCall("goha_cdb_connect", fmtFd(sock), func() error {
		id, err := connectSock(int(sock), srv, srvSz)
		if err != nil {
			return err
		}
		if err := fdHello(int(sock)); err != nil {
			return err
		}
		confdSocks.add(&confdSock{fd: int(sock), kind: sockCDB, id: id})
		return nil
	})
}

// cdbPath checks a path argument: NULL is a usage error, a malformed one
// CONFD_ERR_BADPATH (gohad checks the rest).
func cdbPath(path *C.gh_cdb_cchar) (string, error) {
	if path == nil {
		return "", confdErrf(C.CONFD_ERR_PROTOUSAGE, "path is NULL")
	}
	p := (*C.char)(unsafe.Pointer(path))
	n := C.strnlen(p, store.MaxPathLen+1)
	if n > store.MaxPathLen {
		return "", confdErrf(C.CONFD_ERR_BADPATH, "path is longer than %d bytes", store.MaxPathLen)
	}
	s := C.GoStringN(p, C.int(n))
	if err := store.ValidatePath(s); err != nil {
		return "", confdErrf(C.CONFD_ERR_BADPATH, "%v", err)
	}
	return s, nil
}

// cdbCall does one request on config store socket sock.
func cdbCall(sock C.int, op string, arg, res any) error {
	s, err := confdSocks.lookup(int(sock), sockCDB)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return fdCall(s, op, arg, res)
}

// valueOf converts a confd_value_t to a store value.
func valueOf(v *C.gh_cdb_cvalue) (store.Value, error) {
	if v == nil {
		return store.Value{}, confdErrf(C.CONFD_ERR_PROTOUSAGE, "value is NULL")
	}
	cv := (*C.confd_value_t)(unsafe.Pointer(v))
	u := unsafe.Pointer(&cv.val)
	bytesOf := func() ([]byte, error) {
		b := (*C.confd_buf_t)(u)
		if b.size > maxCDBValue {
			return nil, confdErrf(C.CONFD_ERR_BADTYPE, "value of %d bytes exceeds %d", uint(b.size), maxCDBValue)
		}
		if b.size > 0 && b.ptr == nil {
			return nil, confdErrf(C.CONFD_ERR_BADTYPE, "buffer value with a NULL pointer")
		}
		return C.GoBytes(unsafe.Pointer(b.ptr), C.int(b.size)), nil
	}
	switch cv._type {
	case C.C_STR:
		s := *(**C.char)(u)
		if s == nil {
			return store.Value{}, confdErrf(C.CONFD_ERR_BADTYPE, "C_STR value with a NULL pointer")
		}
		n := C.strnlen(s, maxCDBValue+1)
		if n > maxCDBValue {
			return store.Value{}, confdErrf(C.CONFD_ERR_BADTYPE, "string value exceeds %d bytes", maxCDBValue)
		}
		return store.String(C.GoStringN(s, C.int(n))), nil
	case C.C_BUF:
		b, err := bytesOf()
		return store.Buf(b), err
	case C.C_BINARY:
		b, err := bytesOf()
		return store.Binary(b), err
	case C.C_INT8:
		return store.Int8(*(*int8)(u)), nil
	case C.C_INT16:
		return store.Int16(*(*int16)(u)), nil
	case C.C_INT32:
		return store.Int32(*(*int32)(u)), nil
	case C.C_INT64:
		return store.Int64(*(*int64)(u)), nil
	case C.C_UINT8:
		return store.Uint8(*(*uint8)(u)), nil
	case C.C_UINT16:
		return store.Uint16(*(*uint16)(u)), nil
	case C.C_UINT32:
		return store.Uint32(*(*uint32)(u)), nil
	case C.C_UINT64:
		return store.Uint64(*(*uint64)(u)), nil
	case C.C_DOUBLE:
		return store.Double(math.Float64frombits(*(*uint64)(u))), nil
	case C.C_BOOL:
		return store.Bool(*(*C.int)(u) != 0), nil
	case C.C_IPV4:
		return store.IPv4(*(*[4]byte)(u)), nil
	case C.C_IPV6:
		return store.IPv6(*(*[16]byte)(u)), nil
	}
	return store.Value{}, confdErrf(C.CONFD_ERR_BADTYPE, "value type %d is not stored by goha (C_STR, C_BUF, C_BINARY, integers, C_DOUBLE, C_BOOL, C_IPV4, C_IPV6)", int(cv._type))
}

//export goha_cdb_set
func goha_cdb_set(sock C.int, path *C.gh_cdb_cchar, value *C.gh_cdb_cvalue) C.int {
	return confdCall("goha_cdb_set", fmtFd(sock), func() error {
		p, err := cdbPath(path)
		if err != nil {
			return err
		}
		v, err := valueOf(value)
		if err != nil {
			return err
		}
		return cdbCall(sock, wire.OpCDBSet, &wire.CDBSetArg{Path: p, Value: v.Encode()}, nil)
	})
}

//export goha_cdb_get
func goha_cdb_get(sock C.int, path *C.gh_cdb_cchar, buf *C.char, n C.int) C.int {
	return confdCall("goha_cdb_get", fmtFd(sock), func() error {
		p, err := cdbPath(path)
		if err != nil {
			return err
		}
		if buf == nil || n <= 0 {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "buf is NULL or len %d is not positive", int(n))
		}
		var r wire.CDBValue
		if err := cdbCall(sock, wire.OpCDBGet, &wire.CDBPathArg{Path: p}, &r); err != nil {
			return err
		}
		out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
		k := copy(out[:len(out)-1], r.Text)
		out[k] = 0
		if k < len(r.Text) {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "the value's text needs %d bytes, buf has %d", len(r.Text)+1, int(n))
		}
		return nil
	})
}

//export goha_cdb_delete
func goha_cdb_delete(sock C.int, path *C.gh_cdb_cchar) C.int {
	return confdCall("goha_cdb_delete", fmtFd(sock), func() error {
		p, err := cdbPath(path)
		if err != nil {
			return err
		}
		return cdbCall(sock, wire.OpCDBDelete, &wire.CDBPathArg{Path: p}, nil)
	})
}
