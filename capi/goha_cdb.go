package main

// goha_cdb_* (include/goha.h): config store access on a caller's socket,
// with the ConfD family's conventions (confdCall, confd_errno). Values
// travel in core/store's canonical encoding; gohad's store errors come back
// as reply codes (wire.CodeNoValue, ...), mapped by confdCodes.

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

// Go cannot call a C function pointer: this calls goha_cdb_dump's callback.
// (static, so defining it in an //export file's preamble is harmless.)
static inline int gh_cdb_call_dump_cb(goha_cdb_dump_cb cb, const char *path,
				      const confd_value_t *value, const char *text, void *opaque)
{
	return cb(path, value, text, opaque);
}
*/
import "C"

import (
	"math"
	"unsafe"

	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// Go names of the C types, usable in the tests (which cannot use cgo).
type (
	cConfdValue = C.confd_value_t
	cCDBValue   = C.gh_cdb_cvalue
)

// cFree frees C memory (for the tests, which cannot use cgo).
func cFree(p unsafe.Pointer) { C.free(p) }

// maxCDBValue bounds a C_STR/C_BUF/C_BINARY value (the store's limit).
const maxCDBValue = store.MaxValueLen

//export goha_cdb_connect
func goha_cdb_connect(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int) C.int {
	return confdCall("goha_cdb_connect", fmtFd(sock), func() error {
		id, err := connectSock(int(sock), srv, srvSz)
		if err != nil {
			return err
		}
		s, err := confdHello(int(sock), sockCDB, id, 0)
		if err != nil {
			return err
		}
		confdSocks.add(s)
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
	if s.cdb.watching {
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is a change socket (goha_cdb_subscribe): only goha_cdb_read_change reads it", int(sock))
	}
	return s.call(op, arg, res)
}

// valueOf converts a confd_value_t to a store value.
func valueOf(v *C.gh_cdb_cvalue) (store.Value, error) {
	if v == nil {
		return store.Value{}, confdErrf(C.CONFD_ERR_PROTOUSAGE, "value is NULL")
	}
	return convertValue((*C.confd_value_t)(unsafe.Pointer(v)), maxCDBValue)
}

// convertValue converts cv, whose strings and buffers may be at most
// maxLen bytes long.
func convertValue(cv *C.confd_value_t, maxLen int) (store.Value, error) {
	u := unsafe.Pointer(&cv.val)
	bytesOf := func() ([]byte, error) {
		b := (*C.confd_buf_t)(u)
		if uint64(b.size) > uint64(maxLen) {
			return nil, confdErrf(C.CONFD_ERR_BADTYPE, "value of %d bytes exceeds %d", uint(b.size), maxLen)
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
		n := C.strnlen(s, C.size_t(maxLen)+1)
		if uint64(n) > uint64(maxLen) {
			return store.Value{}, confdErrf(C.CONFD_ERR_BADTYPE, "string value exceeds %d bytes", maxLen)
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
		v, err := store.DecodeValue(r.Value)
		if err != nil {
			return confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent a bad value for %q: %v", p, err)
		}
		text := v.AppendText(nil) // the store's formatter, as confd_pp_value's
		out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
		k := copy(out[:len(out)-1], text)
		out[k] = 0
		if k < len(text) {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "the value's text needs %d bytes, buf has %d", len(text)+1, int(n))
		}
		return nil
	})
}

//export goha_cdb_get_value
func goha_cdb_get_value(sock C.int, path *C.gh_cdb_cchar, v *C.confd_value_t) C.int {
	return confdCall("goha_cdb_get_value", fmtFd(sock), func() error {
		p, err := cdbPath(path)
		if err != nil {
			return err
		}
		if v == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "v is NULL")
		}
		var r wire.CDBValue
		if err := cdbCall(sock, wire.OpCDBGet, &wire.CDBPathArg{Path: p}, &r); err != nil {
			return err
		}
		val, err := store.DecodeValue(r.Value)
		if err != nil {
			return confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent an undecodable value: %v", err)
		}
		_, err = fillValue(v, val) // the caller frees the C_STR/C_BUF/C_BINARY memory
		return err
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

// cdbPrefix checks goha_cdb_dump's prefix: NULL is a usage error; "" (all
// entries) or a byte prefix that starts with '/' and fits a path, else
// CONFD_ERR_BADPATH (gohad checks the same).
func cdbPrefix(prefix *C.gh_cdb_cchar) (string, error) {
	if prefix == nil {
		return "", confdErrf(C.CONFD_ERR_PROTOUSAGE, "prefix is NULL")
	}
	p := (*C.char)(unsafe.Pointer(prefix))
	n := C.strnlen(p, store.MaxPathLen+1)
	if n > store.MaxPathLen {
		return "", confdErrf(C.CONFD_ERR_BADPATH, "prefix is longer than %d bytes", store.MaxPathLen)
	}
	s := C.GoStringN(p, C.int(n))
	if s != "" && s[0] != '/' {
		return "", confdErrf(C.CONFD_ERR_BADPATH, "prefix %q does not start with /", s)
	}
	return s, nil
}

// cdbEntry is one decoded entry of a dump.
type cdbEntry struct {
	path string
	val  store.Value
}

// cdbDumpEntries reads every entry under prefix in one request and decodes
// them all before any is handed to the caller, so a bad reply delivers
// nothing.
func cdbDumpEntries(sock C.int, prefix string) ([]cdbEntry, error) {
	var r wire.CDBEntries
	if err := cdbCall(sock, wire.OpCDBDump, &wire.CDBPathArg{Path: prefix}, &r); err != nil {
		return nil, err
	}
	out := make([]cdbEntry, 0, len(r.Entries))
	for _, e := range r.Entries {
		v, err := store.DecodeValue(e.Value)
		if err != nil {
			return nil, confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent a bad value for %q: %v", e.Path, err)
		}
		if err := store.ValidatePath(e.Path); err != nil || !hasPrefix(e.Path, prefix) {
			return nil, confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent entry %q for prefix %q", e.Path, prefix)
		}
		out = append(out, cdbEntry{path: e.Path, val: v})
	}
	return out, nil
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// cBytes copies b into C memory with a NUL after it (never NULL, also for
// an empty b); the caller frees it.
func cBytes(b []byte) *C.char {
	p := (*C.char)(C.malloc(C.size_t(len(b) + 1)))
	out := unsafe.Slice((*byte)(unsafe.Pointer(p)), len(b)+1)
	copy(out, b)
	out[len(b)] = 0
	return p
}

// fillValue writes v into *cv, the inverse of valueOf. A string, buf or
// binary value points into C memory that it returns for the caller to free
// once the callback has returned.
func fillValue(cv *C.confd_value_t, v store.Value) (unsafe.Pointer, error) {
	*cv = C.confd_value_t{}
	u := unsafe.Pointer(&cv.val)
	var mem unsafe.Pointer
	setBuf := func() {
		b := v.Bytes()
		p := cBytes(b)
		mem = unsafe.Pointer(p)
		cb := (*C.confd_buf_t)(u)
		cb.size = C.uint(len(b))
		cb.ptr = (*C.uchar)(mem)
	}
	switch t := v.Type(); t {
	case store.TypeString:
		p := cBytes([]byte(v.Str()))
		mem = unsafe.Pointer(p)
		*(**C.char)(u) = p
	case store.TypeBuf, store.TypeBinary:
		setBuf()
	case store.TypeInt8:
		*(*int8)(u) = int8(v.Int())
	case store.TypeInt16:
		*(*int16)(u) = int16(v.Int())
	case store.TypeInt32:
		*(*int32)(u) = int32(v.Int())
	case store.TypeInt64:
		*(*int64)(u) = v.Int()
	case store.TypeUint8:
		*(*uint8)(u) = uint8(v.Uint())
	case store.TypeUint16:
		*(*uint16)(u) = uint16(v.Uint())
	case store.TypeUint32:
		*(*uint32)(u) = uint32(v.Uint())
	case store.TypeUint64:
		*(*uint64)(u) = v.Uint()
	case store.TypeDouble:
		*(*uint64)(u) = math.Float64bits(v.Float())
	case store.TypeBool:
		b := C.int(0)
		if v.Bool() {
			b = 1
		}
		*(*C.int)(u) = b
	case store.TypeIPv4:
		copy((*[4]byte)(u)[:], v.Bytes())
	case store.TypeIPv6:
		copy((*[16]byte)(u)[:], v.Bytes())
	default:
		return nil, confdErrf(C.CONFD_ERR_INTERNAL, "gohad sent a value of unknown type %d", int(t))
	}
	cv._type = C.enum_confd_vtype(v.Type())
	return mem, nil
}

//export goha_cdb_dump
func goha_cdb_dump(sock C.int, prefix *C.gh_cdb_cchar, cb C.goha_cdb_dump_cb, opaque unsafe.Pointer) C.int {
	visited := 0
	rc := confdCall("goha_cdb_dump", fmtFd(sock), func() error {
		p, err := cdbPrefix(prefix)
		if err != nil {
			return err
		}
		if cb == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "cb is NULL")
		}
		entries, err := cdbDumpEntries(sock, p)
		if err != nil {
			return err
		}
		// The socket is not locked from here on: cb may use it.
		cv := (*C.confd_value_t)(C.calloc(1, C.size_t(unsafe.Sizeof(C.confd_value_t{}))))
		defer C.free(unsafe.Pointer(cv))
		for _, e := range entries {
			stop, err := dumpOne(cb, opaque, cv, e)
			if err != nil {
				return err
			}
			visited++
			if stop {
				break
			}
		}
		return nil
	})
	if rc != C.CONFD_OK {
		return rc
	}
	return C.int(visited)
}

// dumpOne hands one entry to cb, in C memory that lives until cb returns.
func dumpOne(cb C.goha_cdb_dump_cb, opaque unsafe.Pointer, cv *C.confd_value_t, e cdbEntry) (stop bool, err error) {
	mem, err := fillValue(cv, e.val)
	if err != nil {
		return false, err
	}
	defer C.free(mem) // free(NULL) is a no-op
	path := cBytes([]byte(e.path))
	defer C.free(unsafe.Pointer(path))
	text := cBytes([]byte(e.val.String()))
	defer C.free(unsafe.Pointer(text))
	return C.gh_cdb_call_dump_cb(cb, path, cv, text, opaque) != 0, nil
}
