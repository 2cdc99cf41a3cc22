package main

/*
#include <stdlib.h>
#include <string.h>
#include <goha.h>

typedef const char goha_cchar;
*/
import "C"

import (
	"unsafe"

	"github.com/goha/goha/core/version"
)

// The library version comes from core/version (the repository's VERSION
// file, stamped by the Makefile); a test keeps GOHA_VERSION_* in goha.h
// equal to it.
var versionMajor, versionMinor, versionPatch, _ = version.Parts()

// versionString is static C storage returned by goha_version (never freed).
var versionString = C.CString(version.String())

// gohaCall is the wrapper of the goha_* exports: it recovers panics and
// returns GOHA_EINTERNAL for them.
func gohaCall(fn string, body func() C.int) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			record(&processErr, fn, panicError(r))
			rc = C.GOHA_EINTERNAL
		}
	}()
	maybePanic(fn)
	return body()
}

//export goha_version
func goha_version(major, minor, patch *C.int) *C.goha_cchar {
	if major != nil {
		*major = C.int(versionMajor)
	}
	if minor != nil {
		*minor = C.int(versionMinor)
	}
	if patch != nil {
		*patch = C.int(versionPatch)
	}
	return (*C.goha_cchar)(unsafe.Pointer(versionString))
}

//export goha_errmsg
func goha_errmsg(handle C.uint64_t, buf *C.char, length C.size_t) C.int {
	return gohaCall("goha_errmsg", func() C.int {
		if buf == nil || length == 0 {
			return C.GOHA_EINVAL
		}
		slot := handleSlot(uint64(handle))
		if slot == nil {
			*buf = 0
			return C.GOHA_EBADF
		}
		msg := slot.get()
		out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(length))
		n := copy(out[:len(out)-1], msg)
		out[n] = 0
		if n < len(msg) {
			return C.GOHA_ERANGE
		}
		return C.GOHA_OK
	})
}

// handleSlot is the error slot of a handle of any corosync family, the
// process's for GOHA_PROCESS_HANDLE, or nil.
func handleSlot(h uint64) *errSlot {
	if h == C.GOHA_PROCESS_HANDLE {
		return &processErr
	}
	if v, ok := vqHandles.get(h); ok {
		return v.slot()
	}
	if v, ok := quorumHandles.get(h); ok {
		return v.slot()
	}
	if v, ok := cmapHandles.get(h); ok {
		return v.slot()
	}
	if v, ok := cfgHandles.get(h); ok {
		return v.slot()
	}
	return nil
}

//export goha_handles_open
func goha_handles_open() C.int {
	return gohaCall("goha_handles_open", func() C.int {
		return C.int(vqHandles.len() + quorumHandles.len() + cmapHandles.len() + cfgHandles.len())
	})
}
