package main

/*
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <corosync/cfg.h>
#include "trampolines.h"

// Const-qualified spellings for prototypes Go cannot write.
typedef const char goha_cchar;
typedef const corosync_cfg_callbacks_t goha_ccfg_callbacks;
*/
import "C"

import (
	"context"
	"fmt"
	"net"
	"strings"
	"unsafe"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

const maxCfgHandles = 4096

// cfgHandle is one corosync_cfg_handle_t: a session whose events are
// shutdown questions (their flags).
type cfgHandle struct {
	session[uint32]
	cbs C.corosync_cfg_callbacks_t
}

var cfgHandles = newHandleTable[cfgHandle](maxCfgHandles)

func cfgCall(fn string, h C.corosync_cfg_handle_t, body func(*cfgHandle) error) C.cs_error_t {
	return csCall(cfgHandles, fn, uint64(h), body)
}

func cfgConvert(ev client.Event) (uint32, bool) {
	if ev.CfgShutdown == nil {
		return 0, false
	}
	return ev.CfgShutdown.Flags, true
}

//export corosync_cfg_initialize
func corosync_cfg_initialize(handle *C.corosync_cfg_handle_t, callbacks *C.goha_ccfg_callbacks) C.cs_error_t {
	return csInit(cfgHandles, "corosync_cfg_initialize", (*uint64)(unsafe.Pointer(handle)), func() (*cfgHandle, error) {
		h := &cfgHandle{}
		if callbacks != nil {
			h.cbs = *(*C.corosync_cfg_callbacks_t)(unsafe.Pointer(callbacks))
		}
		if err := h.open(cfgConvert); err != nil {
			return nil, err
		}
		return h, nil
	})
}

//export corosync_cfg_finalize
func corosync_cfg_finalize(handle C.corosync_cfg_handle_t) C.cs_error_t {
	return csFinalize(cfgHandles, "corosync_cfg_finalize", uint64(handle))
}

//export corosync_cfg_fd_get
func corosync_cfg_fd_get(handle C.corosync_cfg_handle_t, fd *C.int32_t) C.cs_error_t {
	return cfgCall("corosync_cfg_fd_get", handle, func(h *cfgHandle) error {
		return h.fdGet((*C.int)(unsafe.Pointer(fd)))
	})
}

//export corosync_cfg_dispatch
func corosync_cfg_dispatch(handle C.corosync_cfg_handle_t, flags C.cs_dispatch_flags_t) C.cs_error_t {
	// No flag check, as corosync's.
	return cfgCall("corosync_cfg_dispatch", handle, func(h *cfgHandle) error {
		return h.dispatch(flags, func(f uint32) {
			if fn := h.cbs.corosync_cfg_shutdown_callback; fn != nil {
				C.capi_cfg_call_shutdown(fn, C.corosync_cfg_handle_t(h.id), C.int(f))
			}
		})
	})
}

//export corosync_cfg_local_get
func corosync_cfg_local_get(handle C.corosync_cfg_handle_t, nodeid *C.uint) C.cs_error_t {
	return cfgCall("corosync_cfg_local_get", handle, func(h *cfgHandle) error {
		if nodeid == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "local_nodeid is NULL")
		}
		var a wire.NodeArg
		if err := h.call(wire.OpCMMNodeID, nil, &a); err != nil {
			return err
		}
		*nodeid = C.uint(a.Node)
		return nil
	})
}

// parseIP returns the address of a node's config host (an IP literal, or a
// name resolved now).
func parseIP(host string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	ips, err := net.DefaultResolver.LookupIP(context.Background(), "ip", host)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("cannot resolve %s: %v", host, err)
	}
	return ips[0], nil
}

// fillAddr writes ip into a as corosync does: a sockaddr_in or
// sockaddr_in6 with only the family and the address set.
func fillAddr(a *C.corosync_cfg_node_address_t, ip net.IP) {
	p := unsafe.Pointer(&a.address[0])
	if v4 := ip.To4(); v4 != nil {
		a.address_length = C.int(C.sizeof_struct_sockaddr_in)
		sin := (*C.struct_sockaddr_in)(p)
		sin.sin_family = C.AF_INET
		C.memcpy(unsafe.Pointer(&sin.sin_addr), unsafe.Pointer(&v4[0]), 4)
		return
	}
	a.address_length = C.int(C.sizeof_struct_sockaddr_in6)
	sin6 := (*C.struct_sockaddr_in6)(p)
	sin6.sin6_family = C.AF_INET6
	C.memcpy(unsafe.Pointer(&sin6.sin6_addr), unsafe.Pointer(&ip.To16()[0]), 16)
}

//export corosync_cfg_get_node_addrs
func corosync_cfg_get_node_addrs(handle C.corosync_cfg_handle_t, nodeid C.uint, maxAddrs C.size_t, numAddrs *C.int,
	addrs *C.corosync_cfg_node_address_t) C.cs_error_t {
	return cfgCall("corosync_cfg_get_node_addrs", handle, func(h *cfgHandle) error {
		if numAddrs == nil || (addrs == nil && maxAddrs > 0) {
			return csErrf(C.CS_ERR_INVALID_PARAM, "num_addrs is NULL, or addrs is NULL with max_addrs %d", uint64(maxAddrs))
		}
		var r wire.CfgAddrs
		if err := h.call(wire.OpCfgNodeAddrs, &wire.NodeArg{Node: uint32(nodeid)}, &r); err != nil {
			return err
		}
		ips := make([]net.IP, len(r.Addrs))
		for i, a := range r.Addrs {
			ip, err := parseIP(a)
			if err != nil {
				return csErrf(C.CS_ERR_LIBRARY, "node %d: %v", uint32(nodeid), err)
			}
			ips[i] = ip
		}
		*numAddrs = C.int(len(ips))
		if len(ips) > 0 && maxAddrs > 0 {
			out := unsafe.Slice(addrs, min(int(maxAddrs), len(ips)))
			for i := range out {
				fillAddr(&out[i], ips[i])
			}
		}
		return nil
	})
}

//export corosync_cfg_ring_status_get
func corosync_cfg_ring_status_get(handle C.corosync_cfg_handle_t, names ***C.char, status ***C.char, count *C.uint) C.cs_error_t {
	return cfgCall("corosync_cfg_ring_status_get", handle, func(h *cfgHandle) error {
		if names == nil || status == nil || count == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "a NULL output pointer")
		}
		var r wire.CfgLinks
		if err := h.call(wire.OpCfgLinks, nil, &r); err != nil {
			return err
		}
		var local string
		var st strings.Builder
		for _, n := range r.Nodes {
			switch {
			case n.Local:
				local = n.SrcAddr
				st.WriteByte('n')
			case n.Reachable:
				st.WriteByte('3') // enabled | connected
			default:
				st.WriteByte('1') // enabled
			}
		}
		nv := (**C.char)(C.malloc(C.size_t(unsafe.Sizeof((*C.char)(nil)))))
		sv := (**C.char)(C.malloc(C.size_t(unsafe.Sizeof((*C.char)(nil)))))
		if nv == nil || sv == nil {
			C.free(unsafe.Pointer(nv))
			C.free(unsafe.Pointer(sv))
			return csErrf(C.CS_ERR_NO_MEMORY, "malloc")
		}
		*nv = C.CString("0 " + local)
		*sv = C.CString(st.String())
		*names, *status, *count = nv, sv, 1
		return nil
	})
}

//export corosync_cfg_node_status_get
func corosync_cfg_node_status_get(handle C.corosync_cfg_handle_t, nodeid C.uint, version C.corosync_cfg_node_status_version_t,
	out unsafe.Pointer) C.cs_error_t {
	return cfgCall("corosync_cfg_node_status_get", handle, func(h *cfgHandle) error {
		if out == nil || version != C.CFG_NODE_STATUS_V1 {
			return csErrf(C.CS_ERR_INVALID_PARAM, "node_status is NULL or version %d is not CFG_NODE_STATUS_V1", int(version))
		}
		var s wire.CfgNodeStatus
		if err := h.call(wire.OpCfgNodeStatus, &wire.NodeArg{Node: uint32(nodeid)}, &s); err != nil {
			if client.CodeOf(err) == wire.CodeNotExist {
				// corosync: knet does not know the host.
				return csErrf(C.CS_ERR_FAILED_OPERATION, "%v", err)
			}
			return err
		}
		var ns C.struct_corosync_cfg_node_status_v1
		ns.version = C.CFG_NODE_STATUS_V1
		ns.nodeid = C.uint(s.NodeID)
		if s.Reachable {
			ns.reachable = 1
		}
		l := &ns.link_status[0]
		l.enabled = 1
		l.connected = ns.reachable
		if s.Local {
			l.mtu = 65535
		}
		copyCString(unsafe.Pointer(&l.src_ipaddr[0]), len(l.src_ipaddr), s.SrcAddr)
		copyCString(unsafe.Pointer(&l.dst_ipaddr[0]), len(l.dst_ipaddr), s.DstAddr)
		*(*C.struct_corosync_cfg_node_status_v1)(out) = ns
		return nil
	})
}

//export corosync_cfg_kill_node
func corosync_cfg_kill_node(handle C.corosync_cfg_handle_t, nodeid C.uint, reason *C.goha_cchar) C.cs_error_t {
	return cfgCall("corosync_cfg_kill_node", handle, func(h *cfgHandle) error {
		if reason == nil {
			return csErrf(C.CS_ERR_INVALID_PARAM, "reason is NULL")
		}
		p := (*C.char)(unsafe.Pointer(reason))
		n := C.strnlen(p, C.CS_MAX_NAME_LENGTH)
		if n >= C.CS_MAX_NAME_LENGTH {
			return csErrf(C.CS_ERR_NAME_TOO_LONG, "reason of %d bytes or more", C.CS_MAX_NAME_LENGTH)
		}
		return h.call(wire.OpCfgKill, &wire.CfgKillArg{Node: uint32(nodeid), Reason: C.GoStringN(p, C.int(n))}, nil)
	})
}

//export corosync_cfg_trackstart
func corosync_cfg_trackstart(handle C.corosync_cfg_handle_t, flags C.uint8_t) C.cs_error_t {
	return cfgCall("corosync_cfg_trackstart", handle, func(h *cfgHandle) error {
		return h.call(wire.OpCfgTrack, &wire.CfgTrackArg{On: true}, nil)
	})
}

//export corosync_cfg_trackstop
func corosync_cfg_trackstop(handle C.corosync_cfg_handle_t) C.cs_error_t {
	return cfgCall("corosync_cfg_trackstop", handle, func(h *cfgHandle) error {
		return h.call(wire.OpCfgTrack, &wire.CfgTrackArg{On: false}, nil)
	})
}

//export corosync_cfg_try_shutdown
func corosync_cfg_try_shutdown(handle C.corosync_cfg_handle_t, flags C.corosync_cfg_shutdown_flags_t) C.cs_error_t {
	return cfgCall("corosync_cfg_try_shutdown", handle, func(h *cfgHandle) error {
		return h.call(wire.OpCfgShutdown, &wire.CfgShutdownArg{Flags: uint32(flags)}, nil)
	})
}

//export corosync_cfg_replyto_shutdown
func corosync_cfg_replyto_shutdown(handle C.corosync_cfg_handle_t, flags C.corosync_cfg_shutdown_reply_flags_t) C.cs_error_t {
	return cfgCall("corosync_cfg_replyto_shutdown", handle, func(h *cfgHandle) error {
		if flags != C.COROSYNC_CFG_SHUTDOWN_FLAG_YES && flags != C.COROSYNC_CFG_SHUTDOWN_FLAG_NO {
			return csErrf(C.CS_ERR_INVALID_PARAM, "reply flags %d are neither YES nor NO", int(flags))
		}
		err := h.call(wire.OpCfgReply, &wire.CfgReplyArg{Yes: flags == C.COROSYNC_CFG_SHUTDOWN_FLAG_YES}, nil)
		if client.CodeOf(err) == wire.CodeAccess {
			// Nothing pending: corosync's library does not pass its
			// daemon's refusal on either.
			return nil
		}
		return err
	})
}

//export corosync_cfg_reload_config
func corosync_cfg_reload_config(handle C.corosync_cfg_handle_t) C.cs_error_t {
	return cfgCall("corosync_cfg_reload_config", handle, func(h *cfgHandle) error {
		return h.call(wire.OpCfgReload, nil, nil)
	})
}

//export corosync_cfg_reopen_log_files
func corosync_cfg_reopen_log_files(handle C.corosync_cfg_handle_t) C.cs_error_t {
	return cfgCall("corosync_cfg_reopen_log_files", handle, func(h *cfgHandle) error {
		// gohad logs to stderr: nothing to reopen; the daemon must answer.
		return h.call(wire.OpPing, nil, nil)
	})
}
