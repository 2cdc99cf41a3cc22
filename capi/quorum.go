package main

/*
#include <stdlib.h>
#include <corosync/quorum.h>
#include "trampolines.h"

// Const-qualified spellings for prototypes Go cannot write.
typedef const void goha_cvoid;
typedef const void *goha_cvoidp;
*/
import "C"

import (
	"unsafe"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// maxQuorumHandles bounds the quorum handle table.
const maxQuorumHandles = 4096

// quorumHandle is one quorum_handle_t.
type quorumHandle struct {
	session[quorumEvent]
	v1 bool
	// The callbacks of the model (V0: v0; V1: v1 and nodelist).
	v0       C.quorum_notification_fn_t
	v1q      C.quorum_v1_quorum_notification_fn_t
	nodelist C.quorum_v1_nodelist_notification_fn_t

	tracking bool // guarded by session.mu
}

// quorumEvent is one queued QUORUM (nodes nil) or NODELIST notification.
type quorumEvent struct {
	quorum *wire.QuorumSvcEvent
	nodes  *wire.QuorumNodesEvent
}

var quorumHandles = newHandleTable[quorumHandle](maxQuorumHandles)

// convert keeps the quorum service's events; a V0 handle never sees
// NODELIST (corosync's daemon does not send it to V0 connections, so it
// must not count as the event of a CS_DISPATCH_ONE).
func (qh *quorumHandle) convert(ev client.Event) (quorumEvent, bool) {
	switch {
	case ev.QuorumSvc != nil:
		return quorumEvent{quorum: ev.QuorumSvc}, true
	case ev.QuorumNodes != nil && qh.v1:
		return quorumEvent{nodes: ev.QuorumNodes}, true
	}
	return quorumEvent{}, false
}

func quorumCall(fn string, h C.quorum_handle_t, body func(*quorumHandle) error) C.cs_error_t {
	return csCall(quorumHandles, fn, uint64(h), body)
}

// newQuorumHandle connects a handle of the given model and reports the
// quorum type (gohad always runs votequorum).
func newQuorumHandle(qh *quorumHandle, quorumType *C.uint32_t, ctx unsafe.Pointer) (*quorumHandle, error) {
	if err := qh.open(qh.convert); err != nil {
		return nil, err
	}
	qh.userCtx = ctx
	if quorumType != nil {
		*quorumType = C.QUORUM_SET
	}
	return qh, nil
}

//export quorum_initialize
func quorum_initialize(handle *C.quorum_handle_t, callbacks *C.quorum_callbacks_t, quorumType *C.uint32_t) C.cs_error_t {
	return csInit(quorumHandles, "quorum_initialize", (*uint64)(unsafe.Pointer(handle)), func() (*quorumHandle, error) {
		qh := &quorumHandle{}
		if callbacks != nil {
			qh.v0 = callbacks.quorum_notify_fn
		}
		return newQuorumHandle(qh, quorumType, nil)
	})
}

//export quorum_model_initialize
func quorum_model_initialize(handle *C.quorum_handle_t, model C.quorum_model_t, data *C.quorum_model_data_t,
	quorumType *C.uint32_t, context unsafe.Pointer) C.cs_error_t {
	const fn = "quorum_model_initialize"
	// corosync checks the model before it connects.
	if model != C.QUORUM_MODEL_V0 && model != C.QUORUM_MODEL_V1 {
		record(&processErr, fn, csErrf(C.CS_ERR_INVALID_PARAM, "model %d is neither V0 nor V1", int(model)))
		return C.CS_ERR_INVALID_PARAM
	}
	return csInit(quorumHandles, fn, (*uint64)(unsafe.Pointer(handle)), func() (*quorumHandle, error) {
		qh := &quorumHandle{v1: model == C.QUORUM_MODEL_V1}
		if data != nil {
			if qh.v1 {
				d := (*C.quorum_model_v1_data_t)(unsafe.Pointer(data))
				qh.v1q, qh.nodelist = d.quorum_notify_fn, d.nodelist_notify_fn
			} else {
				qh.v0 = (*C.quorum_model_v0_data_t)(unsafe.Pointer(data)).quorum_notify_fn
			}
		}
		return newQuorumHandle(qh, quorumType, context)
	})
}

//export quorum_finalize
func quorum_finalize(handle C.quorum_handle_t) C.cs_error_t {
	return csFinalize(quorumHandles, "quorum_finalize", uint64(handle))
}

//export quorum_fd_get
func quorum_fd_get(handle C.quorum_handle_t, fd *C.int) C.cs_error_t {
	return quorumCall("quorum_fd_get", handle, func(qh *quorumHandle) error { return qh.fdGet(fd) })
}

//export quorum_dispatch
func quorum_dispatch(handle C.quorum_handle_t, dispatchTypes C.cs_dispatch_flags_t) C.cs_error_t {
	const fn = "quorum_dispatch"
	switch dispatchTypes {
	case C.CS_DISPATCH_ONE, C.CS_DISPATCH_ALL, C.CS_DISPATCH_BLOCKING, C.CS_DISPATCH_ONE_NONBLOCKING:
	default:
		// corosync checks the flags before the handle.
		record(&processErr, fn, csErrf(C.CS_ERR_INVALID_PARAM, "dispatch flags %d not in 1..4", int(dispatchTypes)))
		return C.CS_ERR_INVALID_PARAM
	}
	return quorumCall(fn, handle, func(qh *quorumHandle) error {
		return qh.dispatch(dispatchTypes, qh.deliver)
	})
}

// uint32s copies ids into C-compatible memory, never empty (so that the
// pointer passed is never nil).
func uint32s(ids []uint32) []C.uint32_t {
	out := make([]C.uint32_t, len(ids)+1)
	for i, id := range ids {
		out[i] = C.uint32_t(id)
	}
	return out
}

// deliver runs one notification's callback.
func (qh *quorumHandle) deliver(ev quorumEvent) {
	h := C.quorum_handle_t(qh.id)
	if n := ev.nodes; n != nil {
		if qh.nodelist == nil {
			return
		}
		m, j, l := uint32s(n.Members), uint32s(n.Joined), uint32s(n.Left)
		C.capi_quorum_call_nodelist(qh.nodelist, h, C.uint32_t(n.Ring.Rep), C.uint64_t(n.Ring.Seq),
			C.uint32_t(len(n.Members)), &m[0], C.uint32_t(len(n.Joined)), &j[0], C.uint32_t(len(n.Left)), &l[0])
		return
	}
	q := ev.quorum
	var quorate C.uint32_t
	if q.Quorate {
		quorate = 1
	}
	m := uint32s(q.Members)
	switch {
	case qh.v1 && qh.v1q != nil:
		C.capi_quorum_call_v1(qh.v1q, h, quorate, C.uint32_t(q.Ring.Rep), C.uint64_t(q.Ring.Seq), C.uint32_t(len(q.Members)), &m[0])
	case !qh.v1 && qh.v0 != nil:
		C.capi_quorum_call_v0(qh.v0, h, quorate, C.uint64_t(q.Ring.Seq), C.uint32_t(len(q.Members)), &m[0])
	}
}

//export quorum_getquorate
func quorum_getquorate(handle C.quorum_handle_t, quorate *C.int) C.cs_error_t {
	return quorumCall("quorum_getquorate", handle, func(qh *quorumHandle) error {
		if quorate == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "quorate is NULL")
		}
		var r wire.QuorateResult
		if err := qh.call(wire.OpQuorumGetQuorate, nil, &r); err != nil {
			return err
		}
		*quorate = 0
		if r.Quorate {
			*quorate = 1
		}
		return nil
	})
}

//export quorum_trackstart
func quorum_trackstart(handle C.quorum_handle_t, flags C.uint) C.cs_error_t {
	return quorumCall("quorum_trackstart", handle, func(qh *quorumHandle) error {
		const known = C.CS_TRACK_CURRENT | C.CS_TRACK_CHANGES | C.CS_TRACK_CHANGES_ONLY
		if flags&^known != 0 {
			return csErrf(C.CS_ERR_INVALID_PARAM, "unknown track flags %#x", uint(flags&^known))
		}
		return qh.trackstart(uint(flags))
	})
}

// trackstart follows corosync's quorum service: CURRENT or CHANGES queue
// the current state even when already tracking; CHANGES or CHANGES_ONLY
// register unless already registered (then CS_ERR_EXIST).
func (qh *quorumHandle) trackstart(flags uint) error {
	snapshot := flags&(C.CS_TRACK_CURRENT|C.CS_TRACK_CHANGES) != 0
	register := flags&(C.CS_TRACK_CHANGES|C.CS_TRACK_CHANGES_ONLY) != 0
	qh.mu.Lock()
	already := qh.tracking
	qh.mu.Unlock()
	var topics, snap uint32
	if already || register {
		topics = wire.TopicQuorumSvc
	}
	if snapshot {
		snap = wire.TopicQuorumSvc
	}
	if snapshot || (register && !already) {
		if _, err := qh.conn.Subscribe(topics, snap); err != nil {
			return err
		}
	}
	if already {
		return csErrf(C.CS_ERR_EXIST, "already tracking")
	}
	if register {
		qh.mu.Lock()
		qh.tracking = true
		qh.mu.Unlock()
	}
	return nil
}

//export quorum_trackstop
func quorum_trackstop(handle C.quorum_handle_t) C.cs_error_t {
	return quorumCall("quorum_trackstop", handle, func(qh *quorumHandle) error {
		qh.mu.Lock()
		tracking := qh.tracking
		qh.mu.Unlock()
		if !tracking {
			return nil // corosync's daemon answers CS_OK here too
		}
		if _, err := qh.conn.Subscribe(0, 0); err != nil {
			return err
		}
		qh.mu.Lock()
		qh.tracking = false
		qh.mu.Unlock()
		return nil
	})
}

//export quorum_context_set
func quorum_context_set(handle C.quorum_handle_t, context *C.goha_cvoid) C.cs_error_t {
	return quorumCall("quorum_context_set", handle, func(qh *quorumHandle) error {
		qh.setContext(unsafe.Pointer(context))
		return nil
	})
}

//export quorum_context_get
func quorum_context_get(handle C.quorum_handle_t, context *C.goha_cvoidp) C.cs_error_t {
	return quorumCall("quorum_context_get", handle, func(qh *quorumHandle) error {
		return qh.context((*unsafe.Pointer)(unsafe.Pointer(context)))
	})
}
