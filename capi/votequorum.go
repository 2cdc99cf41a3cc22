package main

/*
#include <stdlib.h>
#include <string.h>
#include <corosync/votequorum.h>
#include "trampolines.h"

// Const-qualified spellings for prototypes Go cannot write; they make the
// generated prototypes identical to the ones in votequorum.h.
typedef const char goha_cchar;
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// maxVQHandles bounds the handle table (each handle holds a connection and
// an eventfd); initialize beyond it gives CS_ERR_NO_MEMORY.
const maxVQHandles = 4096

// vqHandle is one votequorum_handle_t: a session (events) and a
// synchronous request connection (see syncconn.go).
type vqHandle struct {
	session[vqEvent]
	req *syncConn // requests (see syncconn.go)
	cbs C.votequorum_callbacks_t

	// guarded by session.mu
	tracking bool
	ctxs     contexts
}

// vqEvent is one queued notification, with its daemon sequence number.
type vqEvent struct {
	seq      uint64
	kind     string // wire.EvNodeList, wire.EvQuorum or wire.EvExpected
	ring     wire.RingID
	nodes    []uint32
	states   []wire.NodeState
	quorate  bool
	expected uint32
}

var vqHandles = newHandleTable[vqHandle](maxVQHandles)

// csError is a status decided inside capi (argument checks), carrying its
// cs_error_t and a message for goha_errmsg.
type csError struct {
	code C.cs_error_t
	msg  string
}

func (e *csError) Error() string { return e.msg }

func csErrf(code C.cs_error_t, format string, args ...any) error {
	return &csError{code: code, msg: fmt.Sprintf(format, args...)}
}

// vqCall is the wrapper of every votequorum export that takes a handle.
func vqCall(fn string, h C.votequorum_handle_t, body func(*vqHandle) error) C.cs_error_t {
	return csCall(vqHandles, fn, uint64(h), body)
}

// checkName applies corosync's client-side qdevice name rule: 1..254 bytes.
func checkName(what string, name *C.goha_cchar) (string, error) {
	if name == nil {
		return "", csErrf(C.CS_ERR_INVALID_PARAM, "%s is NULL", what)
	}
	n := C.strnlen((*C.char)(unsafe.Pointer(name)), C.VOTEQUORUM_QDEVICE_MAX_NAME_LEN)
	if n == 0 {
		return "", csErrf(C.CS_ERR_INVALID_PARAM, "%s is empty", what)
	}
	if n >= C.VOTEQUORUM_QDEVICE_MAX_NAME_LEN {
		return "", csErrf(C.CS_ERR_INVALID_PARAM, "%s is longer than %d bytes", what, C.VOTEQUORUM_QDEVICE_MAX_NAME_LEN-1)
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(name)), C.int(n)), nil
}

//export votequorum_initialize
func votequorum_initialize(handle *C.votequorum_handle_t, callbacks *C.votequorum_callbacks_t) C.cs_error_t {
	return csInit(vqHandles, "votequorum_initialize", (*uint64)(unsafe.Pointer(handle)), func() (*vqHandle, error) {
		return newVQHandle(callbacks)
	})
}

func newVQHandle(callbacks *C.votequorum_callbacks_t) (*vqHandle, error) {
	addr := ipcAddr()
	req, err := dialSync(addr)
	if v, ok := cgetenv(envVQShm); err == nil && !(ok && v == "0") {
		err = req.mapVQ() // the info page, if the daemon passes one
		if err != nil {
			req.close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	vh := &vqHandle{req: req}
	if err := vh.open(vqConvert); err != nil {
		req.close()
		return nil, err
	}
	if callbacks != nil {
		vh.cbs = *callbacks
	}
	return vh, nil
}

// vqConvert keeps the votequorum events of the connection.
func vqConvert(ev client.Event) (vqEvent, bool) {
	e := vqEvent{seq: ev.Seq, kind: ev.Kind}
	switch {
	case ev.NodeList != nil:
		e.ring, e.nodes = ev.NodeList.Ring, ev.NodeList.Nodes
	case ev.Quorum != nil:
		e.quorate, e.states = ev.Quorum.Quorate, ev.Quorum.Nodes
	case ev.Expected != nil:
		e.expected = ev.Expected.Expected
	default:
		return e, false // a topic this handle does not use
	}
	return e, true
}

// shut closes both connections (finalize).
func (vh *vqHandle) shut() {
	vh.session.shut()
	vh.req.close()
}

//export votequorum_finalize
func votequorum_finalize(handle C.votequorum_handle_t) C.cs_error_t {
	return csFinalize(vqHandles, "votequorum_finalize", uint64(handle))
}

//export votequorum_fd_get
func votequorum_fd_get(handle C.votequorum_handle_t, fd *C.int) C.cs_error_t {
	return vqCall("votequorum_fd_get", handle, func(vh *vqHandle) error { return vh.fdGet(fd) })
}

//export votequorum_dispatch
func votequorum_dispatch(handle C.votequorum_handle_t, dispatchTypes C.cs_dispatch_flags_t) C.cs_error_t {
	const fn = "votequorum_dispatch"
	switch dispatchTypes {
	case C.CS_DISPATCH_ONE, C.CS_DISPATCH_ALL, C.CS_DISPATCH_BLOCKING, C.CS_DISPATCH_ONE_NONBLOCKING:
	default:
		// corosync checks the flags before the handle.
		record(&processErr, fn, fmt.Errorf("dispatch flags %d not in 1..4", int(dispatchTypes)))
		return C.CS_ERR_INVALID_PARAM
	}
	return vqCall(fn, handle, func(vh *vqHandle) error {
		return vh.dispatch(dispatchTypes, vh.deliver)
	})
}

// deliver calls the callback of one event on the calling thread.
func (vh *vqHandle) deliver(ev vqEvent) {
	vh.mu.Lock()
	ctx := vh.ctxs.of(ev.seq)
	vh.mu.Unlock()
	h := C.votequorum_handle_t(vh.id)
	switch ev.kind {
	case wire.EvNodeList:
		if vh.cbs.votequorum_nodelist_notify_fn == nil {
			return
		}
		var p *C.uint32_t
		nodes := make([]C.uint32_t, len(ev.nodes)+1) // +1: never a nil pointer
		for i, n := range ev.nodes {
			nodes[i] = C.uint32_t(n)
		}
		p = &nodes[0]
		C.capi_vq_call_nodelist(vh.cbs.votequorum_nodelist_notify_fn, h, C.uint64_t(ctx),
			C.uint32_t(ev.ring.Rep), C.uint64_t(ev.ring.Seq), C.uint32_t(len(ev.nodes)), p)
	case wire.EvQuorum:
		if vh.cbs.votequorum_quorum_notify_fn == nil {
			return
		}
		nodes := make([]C.votequorum_node_t, len(ev.states)+1)
		for i, n := range ev.states {
			nodes[i].nodeid = C.uint32_t(n.ID)
			nodes[i].state = C.uint32_t(n.State)
		}
		var quorate C.uint32_t
		if ev.quorate {
			quorate = 1
		}
		C.capi_vq_call_quorum(vh.cbs.votequorum_quorum_notify_fn, h, C.uint64_t(ctx),
			quorate, C.uint32_t(len(ev.states)), &nodes[0])
	case wire.EvExpected:
		if vh.cbs.votequorum_expectedvotes_notify_fn == nil {
			return
		}
		C.capi_vq_call_expected(vh.cbs.votequorum_expectedvotes_notify_fn, h, C.uint64_t(ctx),
			C.uint32_t(ev.expected))
	}
}

//export votequorum_getinfo
func votequorum_getinfo(handle C.votequorum_handle_t, nodeid C.uint, info *C.struct_votequorum_info) C.cs_error_t {
	return vqCall("votequorum_getinfo", handle, func(vh *vqHandle) error {
		if info == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "info is NULL")
		}
		var in wire.VQInfo
		if !vh.req.vqInfo(uint32(nodeid), &in) {
			if err := vh.req.call(wire.OpVQGetInfo, &wire.NodeArg{Node: uint32(nodeid)}, &in); err != nil {
				return fmt.Errorf("node %d: %w", uint32(nodeid), err)
			}
		}
		var out C.struct_votequorum_info
		out.node_id = C.uint(in.NodeID)
		out.node_state = C.uint(in.NodeState)
		out.node_votes = C.uint(in.NodeVotes)
		out.node_expected_votes = C.uint(in.NodeExpected)
		out.highest_expected = C.uint(in.HighestExpected)
		out.total_votes = C.uint(in.TotalVotes)
		out.quorum = C.uint(in.Quorum)
		out.flags = C.uint(in.Flags)
		out.qdevice_votes = C.uint(in.QDeviceVotes)
		name := in.QDeviceName
		if len(name) >= C.VOTEQUORUM_QDEVICE_MAX_NAME_LEN {
			name = name[:C.VOTEQUORUM_QDEVICE_MAX_NAME_LEN-1]
		}
		for i := 0; i < len(name); i++ {
			out.qdevice_name[i] = C.char(name[i])
		}
		*info = out
		return nil
	})
}

//export votequorum_setexpected
func votequorum_setexpected(handle C.votequorum_handle_t, expectedVotes C.uint) C.cs_error_t {
	return vqCall("votequorum_setexpected", handle, func(vh *vqHandle) error {
		return vh.req.call(wire.OpVQSetExpected, &wire.SetExpectedArg{Expected: uint32(expectedVotes)}, nil)
	})
}

//export votequorum_setvotes
func votequorum_setvotes(handle C.votequorum_handle_t, nodeid C.uint, votes C.uint) C.cs_error_t {
	return vqCall("votequorum_setvotes", handle, func(vh *vqHandle) error {
		if err := vh.req.call(wire.OpVQSetVotes, &wire.SetVotesArg{Node: uint32(nodeid), Votes: uint32(votes)}, nil); err != nil {
			return fmt.Errorf("node %d votes %d: %w", uint32(nodeid), uint32(votes), err)
		}
		return nil
	})
}

//export votequorum_trackstart
func votequorum_trackstart(handle C.votequorum_handle_t, context C.uint64_t, flags C.uint) C.cs_error_t {
	return vqCall("votequorum_trackstart", handle, func(vh *vqHandle) error {
		const known = C.CS_TRACK_CURRENT | C.CS_TRACK_CHANGES | C.CS_TRACK_CHANGES_ONLY
		if flags&^known != 0 {
			return csErrf(C.CS_ERR_INVALID_PARAM, "unknown track flags %#x", uint(flags&^known))
		}
		return vh.trackstart(uint64(context), uint(flags))
	})
}

// trackstart reproduces corosync's daemon rules: CURRENT or CHANGES queue
// the current state (NODELIST, QUORUM) with this call's context even when
// already tracking; CHANGES or CHANGES_ONLY register for changes unless
// already registered (then CS_ERR_EXIST, and the first context is kept).
func (vh *vqHandle) trackstart(ctx uint64, flags uint) error {
	snapshot := flags&(C.CS_TRACK_CURRENT|C.CS_TRACK_CHANGES) != 0
	register := flags&(C.CS_TRACK_CHANGES|C.CS_TRACK_CHANGES_ONLY) != 0
	// Events may not be dispatched until the reply tells which of them are
	// the snapshot: their context depends on it.
	vh.q.hold()
	defer vh.q.release()
	vh.mu.Lock()
	already := vh.tracking
	vh.mu.Unlock()
	var topics, snap uint32
	if already || register {
		topics = wire.TopicQuorum
	}
	if snapshot {
		snap = wire.TopicQuorum
	}
	if !snapshot && (already || !register) {
		// Nothing to ask the daemon.
		if already {
			return csErrf(C.CS_ERR_EXIST, "already tracking")
		}
		return nil
	}
	r, err := vh.conn.Subscribe(topics, snap)
	if err != nil {
		return err
	}
	last := r.Seq
	vh.mu.Lock()
	defer vh.mu.Unlock()
	next := last + 1
	if snapshot {
		vh.ctxs.add(next, next+1, ctx) // NODELIST, QUORUM
		next += 2
	}
	if already {
		return csErrf(C.CS_ERR_EXIST, "already tracking")
	}
	if register {
		vh.tracking = true
		vh.ctxs.add(next, noEnd, ctx)
	}
	return nil
}

//export votequorum_trackstop
func votequorum_trackstop(handle C.votequorum_handle_t) C.cs_error_t {
	return vqCall("votequorum_trackstop", handle, func(vh *vqHandle) error {
		vh.mu.Lock()
		tracking := vh.tracking
		vh.mu.Unlock()
		if !tracking {
			return csErrf(C.CS_ERR_NOT_EXIST, "not tracking")
		}
		r, err := vh.conn.Subscribe(0, 0)
		if err != nil {
			return err
		}
		last := r.Seq
		vh.mu.Lock()
		vh.tracking = false
		vh.ctxs.end(last)
		vh.mu.Unlock()
		return nil
	})
}

//export votequorum_context_get
func votequorum_context_get(handle C.votequorum_handle_t, context *unsafe.Pointer) C.cs_error_t {
	return vqCall("votequorum_context_get", handle, func(vh *vqHandle) error { return vh.context(context) })
}

//export votequorum_context_set
func votequorum_context_set(handle C.votequorum_handle_t, context unsafe.Pointer) C.cs_error_t {
	return vqCall("votequorum_context_set", handle, func(vh *vqHandle) error {
		vh.setContext(context)
		return nil
	})
}

//export votequorum_qdevice_register
func votequorum_qdevice_register(handle C.votequorum_handle_t, name *C.goha_cchar) C.cs_error_t {
	return vqCall("votequorum_qdevice_register", handle, func(vh *vqHandle) error {
		n, err := checkName("name", name)
		if err != nil {
			return err
		}
		return vh.req.call(wire.OpQDeviceRegister, &wire.QDeviceArg{Name: n}, nil)
	})
}

//export votequorum_qdevice_unregister
func votequorum_qdevice_unregister(handle C.votequorum_handle_t, name *C.goha_cchar) C.cs_error_t {
	return vqCall("votequorum_qdevice_unregister", handle, func(vh *vqHandle) error {
		n, err := checkName("name", name)
		if err != nil {
			return err
		}
		return vh.req.call(wire.OpQDeviceUnreg, &wire.QDeviceArg{Name: n}, nil)
	})
}

//export votequorum_qdevice_update
func votequorum_qdevice_update(handle C.votequorum_handle_t, oldname, newname *C.goha_cchar) C.cs_error_t {
	return vqCall("votequorum_qdevice_update", handle, func(vh *vqHandle) error {
		o, err := checkName("oldname", oldname)
		if err != nil {
			return err
		}
		n, err := checkName("newname", newname)
		if err != nil {
			return err
		}
		return vh.req.call(wire.OpQDeviceUpdate, &wire.QDeviceUpdateArg{Old: o, New: n}, nil)
	})
}

//export votequorum_qdevice_poll
func votequorum_qdevice_poll(handle C.votequorum_handle_t, name *C.goha_cchar, castVote C.uint, ringID C.votequorum_ring_id_t) C.cs_error_t {
	return vqCall("votequorum_qdevice_poll", handle, func(vh *vqHandle) error {
		n, err := checkName("name", name)
		if err != nil {
			return err
		}
		return vh.req.call(wire.OpQDevicePoll, &wire.QDevicePollArg{
			Name: n, CastVote: castVote != 0,
			Ring: wire.RingID{Rep: uint32(ringID.nodeid), Seq: uint64(ringID.seq)},
		}, nil)
	})
}

//export votequorum_qdevice_master_wins
func votequorum_qdevice_master_wins(handle C.votequorum_handle_t, name *C.goha_cchar, allow C.uint) C.cs_error_t {
	return vqCall("votequorum_qdevice_master_wins", handle, func(vh *vqHandle) error {
		n, err := checkName("name", name)
		if err != nil {
			return err
		}
		return vh.req.call(wire.OpQDeviceMasterWin, &wire.QDeviceMasterWinsArg{Name: n, Allow: allow != 0}, nil)
	})
}
