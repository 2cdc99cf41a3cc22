package main

// The ConfD family's call wrapper and error mapping. The library state,
// confd_errno and confd_lasterr live in C (confd_lib.c) because they are
// per thread; Go records an error with gh_confd_set_error on the caller's
// thread (an exported Go function runs on the thread of its C caller).

/*
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "confd_internal.h"

static void gh_confd_set_libc_errno(int e) { errno = e; }
*/
import "C"

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"
)

// confdError is a failure decided inside capi: its confd_errno code and the
// text for confd_lasterr.
type confdError struct {
	code int
	msg  string
}

func (e *confdError) Error() string { return e.msg }

func confdErrf(code C.int, format string, args ...any) error {
	return &confdError{code: int(code), msg: fmt.Sprintf(format, args...)}
}

// osError is a failed system call: CONFD_ERR_OS, with libc errno set to
// errno when the call returns so that the caller can inspect it.
type osError struct {
	what  string
	errno syscall.Errno
}

func (e *osError) Error() string { return e.what + ": " + e.errno.Error() }

// errRecorded says a C helper has already recorded the error (confd_errno
// and confd_lasterr) on this thread; the wrapper only returns CONFD_ERR.
var errRecorded = errors.New("error already recorded")

// confdCall is the wrapper of every ConfD-family export: it checks that
// confd_init succeeded, writes the trace line, runs body and turns its
// error into CONFD_ERR/CONFD_EOF with confd_errno and confd_lasterr set. A
// panic in body becomes CONFD_ERR_INTERNAL; it never reaches the C caller.
func confdCall(fn string, args string, body func() error) C.int {
	return C.int(confdGuard(fn, func() int {
		if C.gh_confd_check_init() == 0 {
			return C.CONFD_ERR
		}
		confdTrace(fn + "(" + args + ")")
		return int(confdResult(fn, body()))
	}))
}

// confdGuard runs body and turns a panic into CONFD_ERR with confd_errno
// CONFD_ERR_INTERNAL.
func confdGuard(fn string, body func() int) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			setConfdError(C.CONFD_ERR_INTERNAL, fmt.Sprintf("%s: %v", fn, panicError(r)))
			rc = C.CONFD_ERR
		}
	}()
	return body()
}

// confdLastError returns the calling thread's confd_errno and
// confd_lasterr (the caller must hold its OS thread).
func confdLastError() (int, string) {
	return int(*C.confd_errno_location()), C.GoString(C.confd_lasterr())
}

// confdResult maps the outcome of fn to its return code and records the
// error for the calling thread.
func confdResult(fn string, err error) C.int {
	var ce *confdError
	var oe *osError
	switch {
	case err == nil:
		return C.CONFD_OK
	case errors.Is(err, errRecorded):
		return C.CONFD_ERR
	case errors.As(err, &ce):
		setConfdError(C.int(ce.code), fn+": "+ce.msg)
		if ce.code == C.CONFD_ERR_EOF {
			return C.CONFD_EOF
		}
		return C.CONFD_ERR
	case errors.As(err, &oe):
		setConfdError(C.CONFD_ERR_OS, fn+": "+oe.Error())
		// Last, so that nothing (the debug line) overwrites it.
		C.gh_confd_set_libc_errno(C.int(oe.errno))
		return C.CONFD_ERR
	}
	setConfdError(C.CONFD_ERR_INTERNAL, fn+": "+err.Error())
	return C.CONFD_ERR
}

func setConfdError(code C.int, msg string) {
	cmsg := C.CString(msg)
	defer C.free(unsafe.Pointer(cmsg))
	C.gh_confd_set_error(code, cmsg)
}

func confdTrace(msg string) {
	cmsg := C.CString(msg)
	defer C.free(unsafe.Pointer(cmsg))
	C.gh_confd_trace(cmsg)
}

// maxNodeIDLen is the longest node id: it must fit, NUL-terminated, into
// struct confd_ha_node.buf when the library hands it back.
const maxNodeIDLen = 127

// nodeIDOf checks that v is a node id and returns it as text: a C_BUF or
// C_STR of 1..127 bytes without NUL, or a value of another type printed
// by confd_pp_value (as ConfD, goha takes any id; it need not be a config
// name).
func nodeIDOf(what string, v *C.confd_value_t) (string, error) {
	if v == nil {
		return "", confdErrf(C.CONFD_ERR_PROTOUSAGE, "%s is NULL", what)
	}
	var id []byte
	switch v._type {
	case C.C_BUF:
		b := (*C.confd_buf_t)(unsafe.Pointer(&v.val))
		if b.size > maxNodeIDLen {
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is longer than %d bytes", what, maxNodeIDLen)
		}
		if b.ptr == nil && b.size > 0 {
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is a C_BUF with a NULL pointer", what)
		}
		if b.size > 0 {
			id = C.GoBytes(unsafe.Pointer(b.ptr), C.int(b.size))
		}
	case C.C_STR:
		s := *(**C.char)(unsafe.Pointer(&v.val))
		if s == nil {
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is a C_STR with a NULL pointer", what)
		}
		n := C.strnlen(s, maxNodeIDLen+1)
		if n > maxNodeIDLen {
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is longer than %d bytes", what, maxNodeIDLen)
		}
		id = C.GoBytes(unsafe.Pointer(s), C.int(n))
	case C.C_NOEXISTS:
		return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is C_NOEXISTS", what)
	default:
		// ConfD takes an id of any type: goha carries it as its text
		// (and hands it back as a C_BUF of that text).
		var buf [maxNodeIDLen + 1]C.char
		n := C.confd_pp_value(&buf[0], C.int(len(buf)), (*C.confd_value_t)(unsafe.Pointer(v)))
		switch {
		case n < 0:
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s of value type %d cannot be printed", what, int(v._type))
		case n > maxNodeIDLen:
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is longer than %d bytes as text", what, maxNodeIDLen)
		}
		id = C.GoBytes(unsafe.Pointer(&buf[0]), n)
	}
	if len(id) == 0 {
		return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s is empty", what)
	}
	for _, c := range id {
		if c == 0 {
			return "", confdErrf(C.CONFD_ERR_BADTYPE, "%s contains a NUL byte", what)
		}
	}
	return string(id), nil
}
