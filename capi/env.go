package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/goha/goha/core/client"
)

// cgetenv reads the C environment. The Go runtime of a c-shared library
// keeps the copy of environ it took when the library was loaded, so
// os.Getenv would miss a setenv() the host program made afterwards.
func cgetenv(name string) (string, bool) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	v := C.getenv(cname)
	if v == nil {
		return "", false
	}
	return C.GoString(v), true
}

// ipcAddr is the control address of the local daemon: $GOHA_IPC as the C
// environment has it now, or client.DefaultIPC.
func ipcAddr() string {
	if v, ok := cgetenv(client.EnvIPC); ok && v != "" {
		return v
	}
	return client.DefaultIPC
}

// injectedPanics lists the exports named in $GOHA_INJECT_PANIC (comma
// separated), read at the first call. Those exports panic inside their
// wrapper, so that tests can prove that no panic crosses into C and that the
// library stays usable afterwards. Unset in production: one map lookup of
// an empty map per call.
var injectedPanics = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	if v, ok := cgetenv("GOHA_INJECT_PANIC"); ok {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				m[f] = true
			}
		}
	}
	return m
})

// maybePanic panics when fn is listed in $GOHA_INJECT_PANIC.
func maybePanic(fn string) {
	if m := injectedPanics(); len(m) > 0 && m[fn] {
		panic("injected by GOHA_INJECT_PANIC")
	}
}
