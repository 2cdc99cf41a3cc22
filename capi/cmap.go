package main

/*
#include <stdlib.h>
#include <string.h>
#include <corosync/cmap.h>
#include "trampolines.h"

// Const-qualified spellings for prototypes Go cannot write.
typedef const char goha_cchar;
typedef const void goha_cvoid;
typedef const void *goha_cvoidp;
*/
import "C"

import (
	"encoding/binary"
	"slices"
	"sync"
	"unsafe"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/corosync"
	"github.com/goha/goha/core/wire"
)

// Limits of the cmap family.
const (
	maxCMapHandles = 4096
	maxCMapIters   = 1024 // open iterators per handle
	cmapIterPage   = 128  // keys fetched per round trip while iterating
)

// cmapHandle is one cmap_handle_t: a session whose events are tracking
// notifications, the map it reads, and its iterators and trackers.
type cmapHandle struct {
	session[*wire.CMapEvent]
	mapID uint8

	// guarded by session.mu
	iters    map[uint64]*cmapIter
	trackers map[uint64]cmapTracker
}

// cmapIter walks the keys under prefix a page at a time; mu serializes
// threads that share it.
type cmapIter struct {
	mu     sync.Mutex
	prefix string
	keys   []wire.CMapKey // fetched, not yet returned
	after  string         // the last key fetched
	more   bool           // the daemon has keys after `after`
}

type cmapTracker struct {
	fn       C.cmap_notify_fn_t
	userData unsafe.Pointer
}

var cmapHandles = newHandleTable[cmapHandle](maxCMapHandles)

func cmapCall(fn string, h C.cmap_handle_t, body func(*cmapHandle) error) C.cs_error_t {
	return csCall(cmapHandles, fn, uint64(h), body)
}

func cmapConvert(ev client.Event) (*wire.CMapEvent, bool) { return ev.CMap, ev.CMap != nil }

func newCMapHandle(m uint8) (*cmapHandle, error) {
	ch := &cmapHandle{mapID: m, iters: map[uint64]*cmapIter{}, trackers: map[uint64]cmapTracker{}}
	if err := ch.open(cmapConvert); err != nil {
		return nil, err
	}
	return ch, nil
}

//export cmap_initialize
func cmap_initialize(handle *C.cmap_handle_t) C.cs_error_t {
	return csInit(cmapHandles, "cmap_initialize", (*uint64)(unsafe.Pointer(handle)), func() (*cmapHandle, error) {
		return newCMapHandle(wire.CMapMain)
	})
}

//export cmap_initialize_map
func cmap_initialize_map(handle *C.cmap_handle_t, m C.cmap_map_t) C.cs_error_t {
	return csInit(cmapHandles, "cmap_initialize_map", (*uint64)(unsafe.Pointer(handle)), func() (*cmapHandle, error) {
		if m != C.CMAP_MAP_ICMAP && m != C.CMAP_MAP_STATS {
			return nil, csErrf(C.CS_ERR_NOT_EXIST, "map %d is neither CMAP_MAP_ICMAP nor CMAP_MAP_STATS", int(m))
		}
		return newCMapHandle(uint8(m))
	})
}

//export cmap_finalize
func cmap_finalize(handle C.cmap_handle_t) C.cs_error_t {
	return csFinalize(cmapHandles, "cmap_finalize", uint64(handle))
}

//export cmap_fd_get
func cmap_fd_get(handle C.cmap_handle_t, fd *C.int) C.cs_error_t {
	return cmapCall("cmap_fd_get", handle, func(ch *cmapHandle) error { return ch.fdGet(fd) })
}

//export cmap_dispatch
func cmap_dispatch(handle C.cmap_handle_t, dispatchTypes C.cs_dispatch_flags_t) C.cs_error_t {
	// No flag check: corosync's cmap_dispatch takes any value (see cmap.h).
	return cmapCall("cmap_dispatch", handle, func(ch *cmapHandle) error {
		return ch.dispatch(dispatchTypes, ch.deliver)
	})
}

// deliver runs a notification's callback; a tracker deleted meanwhile
// drops it.
func (ch *cmapHandle) deliver(ev *wire.CMapEvent) {
	ch.mu.Lock()
	t, ok := ch.trackers[ev.Track]
	ch.mu.Unlock()
	if !ok {
		return
	}
	key := C.CString(ev.Key)
	defer C.free(unsafe.Pointer(key))
	nv, ov := nativeData(ev.New), nativeData(ev.Old)
	C.capi_cmap_call_notify(t.fn, C.cmap_handle_t(ch.id), C.cmap_track_handle_t(ev.Track), C.int32_t(ev.Event), key,
		C.int(ev.New.Type), C.size_t(len(nv)), bytesPtr(nv), C.int(ev.Old.Type), C.size_t(len(ov)), bytesPtr(ov), t.userData)
}

// bytesPtr is b's data for C, NULL when empty (an unset value's data).
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// littleEndianHost: values travel little-endian; numbers are converted on
// hosts that are not.
var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// swapped converts a number of type t between the host's order and the
// wire's; anything else, or a number of the wrong size (which the daemon
// refuses), is left as it is.
func swapped(t uint8, b []byte) []byte {
	if littleEndianHost || corosync.ValueType(t).Size() != len(b) || len(b) < 2 {
		return b
	}
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}

// nativeData is a value's bytes in host order.
func nativeData(v wire.CMapValue) []byte { return swapped(v.Type, v.Data) }

// cKey checks a key name as corosync's library does: not NULL, and
// shorter than 256 bytes.
func cKey(key *C.goha_cchar) (string, error) {
	if key == nil {
		return "", csErrf(C.CS_ERR_INVALID_PARAM, "key_name is NULL")
	}
	p := (*C.char)(unsafe.Pointer(key))
	n := C.strnlen(p, C.CS_MAX_NAME_LENGTH)
	if n >= C.CS_MAX_NAME_LENGTH {
		return "", csErrf(C.CS_ERR_NAME_TOO_LONG, "key name of %d bytes or more", C.CS_MAX_NAME_LENGTH)
	}
	return C.GoStringN(p, C.int(n)), nil
}

//export cmap_context_get
func cmap_context_get(handle C.cmap_handle_t, context *C.goha_cvoidp) C.cs_error_t {
	return cmapCall("cmap_context_get", handle, func(ch *cmapHandle) error {
		return ch.context((*unsafe.Pointer)(unsafe.Pointer(context)))
	})
}

//export cmap_context_set
func cmap_context_set(handle C.cmap_handle_t, context *C.goha_cvoid) C.cs_error_t {
	return cmapCall("cmap_context_set", handle, func(ch *cmapHandle) error {
		ch.setContext(unsafe.Pointer(context))
		return nil
	})
}

//export cmap_set
func cmap_set(handle C.cmap_handle_t, keyName *C.goha_cchar, value *C.goha_cvoid, valueLen C.size_t, typ C.cmap_value_types_t) C.cs_error_t {
	return cmapCall("cmap_set", handle, func(ch *cmapHandle) error {
		key, err := cKey(keyName)
		if err != nil {
			return err
		}
		if value == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "value is NULL")
		}
		if valueLen > corosync.MaxValueLen {
			return csErrf(C.CS_ERR_INVALID_PARAM, "value of %d bytes (at most %d)", uint64(valueLen), corosync.MaxValueLen)
		}
		t := uint8(typ)
		if typ > 255 {
			t = 0 // an unknown type, refused by the daemon
		}
		data := swapped(t, C.GoBytes(unsafe.Pointer(value), C.int(valueLen)))
		return ch.call(wire.OpCMapSet, &wire.CMapSetArg{Map: ch.mapID, Key: key, Value: wire.CMapValue{Type: t, Data: data}}, nil)
	})
}

//export cmap_delete
func cmap_delete(handle C.cmap_handle_t, keyName *C.goha_cchar) C.cs_error_t {
	return cmapCall("cmap_delete", handle, func(ch *cmapHandle) error {
		key, err := cKey(keyName)
		if err != nil {
			return err
		}
		return ch.call(wire.OpCMapDelete, &wire.CMapKeyArg{Map: ch.mapID, Key: key}, nil)
	})
}

//export cmap_get
func cmap_get(handle C.cmap_handle_t, keyName *C.goha_cchar, value unsafe.Pointer, valueLen *C.size_t, typ *C.cmap_value_types_t) C.cs_error_t {
	return cmapCall("cmap_get", handle, func(ch *cmapHandle) error {
		key, err := cKey(keyName)
		if err != nil {
			return err
		}
		if value != nil && valueLen == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "value without value_len")
		}
		var v wire.CMapValue
		if err := ch.call(wire.OpCMapGet, &wire.CMapKeyArg{Map: ch.mapID, Key: key}, &v); err != nil {
			return err
		}
		data := nativeData(v)
		if value != nil {
			if int(*valueLen) < len(data) {
				return csErrf(C.CS_ERR_INVALID_PARAM, "%s: buffer of %d bytes for a value of %d", key, int(*valueLen), len(data))
			}
			if len(data) > 0 {
				C.memcpy(value, unsafe.Pointer(&data[0]), C.size_t(len(data)))
			}
		}
		if valueLen != nil {
			*valueLen = C.size_t(len(data))
		}
		if typ != nil {
			*typ = C.cmap_value_types_t(v.Type)
		}
		return nil
	})
}

//export cmap_get_string
func cmap_get_string(handle C.cmap_handle_t, keyName *C.goha_cchar, str **C.char) C.cs_error_t {
	return cmapCall("cmap_get_string", handle, func(ch *cmapHandle) error {
		key, err := cKey(keyName)
		if err != nil {
			return err
		}
		if str == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "str is NULL")
		}
		var v wire.CMapValue
		if err := ch.call(wire.OpCMapGet, &wire.CMapKeyArg{Map: ch.mapID, Key: key}, &v); err != nil {
			return err
		}
		if v.Type != uint8(corosync.TypeString) || len(v.Data) == 0 {
			return csErrf(C.CS_ERR_INVALID_PARAM, "%s is not a string", key)
		}
		p := C.malloc(C.size_t(len(v.Data)))
		if p == nil {
			return csErrf(C.CS_ERR_NO_MEMORY, "malloc")
		}
		C.memcpy(p, unsafe.Pointer(&v.Data[0]), C.size_t(len(v.Data)))
		*str = (*C.char)(p)
		return nil
	})
}

// cmapAdjust is cmap_inc (step 1) and cmap_dec (step -1).
func cmapAdjust(fn string, handle C.cmap_handle_t, keyName *C.goha_cchar, step int8) C.cs_error_t {
	return cmapCall(fn, handle, func(ch *cmapHandle) error {
		key, err := cKey(keyName)
		if err != nil {
			return err
		}
		return ch.call(wire.OpCMapAdjust, &wire.CMapAdjustArg{Map: ch.mapID, Key: key, Step: step}, nil)
	})
}

//export cmap_inc
func cmap_inc(handle C.cmap_handle_t, keyName *C.goha_cchar) C.cs_error_t {
	return cmapAdjust("cmap_inc", handle, keyName, 1)
}

//export cmap_dec
func cmap_dec(handle C.cmap_handle_t, keyName *C.goha_cchar) C.cs_error_t {
	return cmapAdjust("cmap_dec", handle, keyName, -1)
}

// fetch gets the next page of it's keys.
func (ch *cmapHandle) fetch(it *cmapIter) error {
	var r wire.CMapIterResult
	if err := ch.call(wire.OpCMapIter, &wire.CMapIterArg{Map: ch.mapID, Prefix: it.prefix, After: it.after, Max: cmapIterPage}, &r); err != nil {
		return err
	}
	it.keys, it.more = r.Keys, r.More
	if len(r.Keys) > 0 {
		it.after = r.Keys[len(r.Keys)-1].Name
	}
	return nil
}

//export cmap_iter_init
func cmap_iter_init(handle C.cmap_handle_t, prefix *C.goha_cchar, iterHandle *C.cmap_iter_handle_t) C.cs_error_t {
	return cmapCall("cmap_iter_init", handle, func(ch *cmapHandle) error {
		if iterHandle == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "cmap_iter_handle is NULL")
		}
		it := &cmapIter{}
		if prefix != nil {
			p, err := cKey(prefix)
			if err != nil {
				return err
			}
			it.prefix = p
		}
		// The first page now: a lost daemon shows here, as with corosync.
		if err := ch.fetch(it); err != nil {
			return err
		}
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if len(ch.iters) >= maxCMapIters {
			return csErrf(C.CS_ERR_NO_MEMORY, "more than %d iterators open", maxCMapIters)
		}
		id := nextHandle.Add(2)
		ch.iters[id] = it
		*iterHandle = C.cmap_iter_handle_t(id)
		return nil
	})
}

//export cmap_iter_next
func cmap_iter_next(handle C.cmap_handle_t, iterHandle C.cmap_iter_handle_t, keyName *C.char, valueLen *C.size_t, typ *C.cmap_value_types_t) C.cs_error_t {
	return cmapCall("cmap_iter_next", handle, func(ch *cmapHandle) error {
		if keyName == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "key_name is NULL")
		}
		ch.mu.Lock()
		it, ok := ch.iters[uint64(iterHandle)]
		ch.mu.Unlock()
		if !ok {
			return csErrf(C.CS_ERR_BAD_HANDLE, "bad iterator %#x", uint64(iterHandle))
		}
		it.mu.Lock()
		defer it.mu.Unlock()
		if len(it.keys) == 0 && it.more {
			if err := ch.fetch(it); err != nil {
				return err
			}
		}
		if len(it.keys) == 0 {
			it.more = false
			return csErrf(C.CS_ERR_NO_SECTIONS, "no more keys")
		}
		k := it.keys[0]
		it.keys = it.keys[1:]
		name := k.Name
		if len(name) > C.CMAP_KEYNAME_MAXLEN {
			name = name[:C.CMAP_KEYNAME_MAXLEN]
		}
		dst := unsafe.Slice((*byte)(unsafe.Pointer(keyName)), len(name)+1)
		copy(dst, name)
		dst[len(name)] = 0
		if valueLen != nil {
			*valueLen = C.size_t(k.Len)
		}
		if typ != nil {
			*typ = C.cmap_value_types_t(k.Type)
		}
		return nil
	})
}

//export cmap_iter_finalize
func cmap_iter_finalize(handle C.cmap_handle_t, iterHandle C.cmap_iter_handle_t) C.cs_error_t {
	return cmapCall("cmap_iter_finalize", handle, func(ch *cmapHandle) error {
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if _, ok := ch.iters[uint64(iterHandle)]; !ok {
			return csErrf(C.CS_ERR_BAD_HANDLE, "bad iterator %#x", uint64(iterHandle))
		}
		delete(ch.iters, uint64(iterHandle))
		return nil
	})
}

//export cmap_track_add
func cmap_track_add(handle C.cmap_handle_t, keyName *C.goha_cchar, trackType C.int32_t, notifyFn C.cmap_notify_fn_t,
	userData unsafe.Pointer, trackHandle *C.cmap_track_handle_t) C.cs_error_t {
	return cmapCall("cmap_track_add", handle, func(ch *cmapHandle) error {
		if trackHandle == nil || notifyFn == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "notify_fn or cmap_track_handle is NULL")
		}
		key := ""
		if keyName != nil {
			k, err := cKey(keyName)
			if err != nil {
				return err
			}
			key = k
		}
		id := nextHandle.Add(2) // never reused, unique in the process
		// Known before the request: a notification may follow its reply
		// at once.
		ch.mu.Lock()
		ch.trackers[id] = cmapTracker{fn: notifyFn, userData: userData}
		ch.mu.Unlock()
		err := ch.call(wire.OpCMapTrack, &wire.CMapTrackArg{Map: ch.mapID, ID: id, Key: key, Flags: int32(trackType)}, nil)
		if err != nil {
			ch.mu.Lock()
			delete(ch.trackers, id)
			ch.mu.Unlock()
			return err
		}
		*trackHandle = C.cmap_track_handle_t(id)
		return nil
	})
}

//export cmap_track_delete
func cmap_track_delete(handle C.cmap_handle_t, trackHandle C.cmap_track_handle_t) C.cs_error_t {
	return cmapCall("cmap_track_delete", handle, func(ch *cmapHandle) error {
		id := uint64(trackHandle)
		ch.mu.Lock()
		_, ok := ch.trackers[id]
		delete(ch.trackers, id)
		ch.mu.Unlock()
		if !ok {
			return csErrf(C.CS_ERR_BAD_HANDLE, "bad track handle %#x", id)
		}
		return ch.call(wire.OpCMapUntrack, &wire.CMapUntrackArg{ID: id}, nil)
	})
}
