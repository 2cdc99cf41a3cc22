package main

// Filling the ConfD structs that the library hands back to its caller
// (confd_ha_get_status, confd_read_notification) from what gohad reports.
// As in ConfD's library nothing is allocated: a node id is a C_BUF that
// points into the node's own buf[], and a host-name address points into
// addr_buf[], so the caller frees nothing and confd_free_notification has
// no work. Used by the daemon half of those calls once it is wired.

/*
#include <sys/socket.h>
#include <confd_ha.h>
#include <confd_events.h>
*/
import "C"

import (
	"net/netip"
	"strings"
	"unsafe"
)

// Go names of the C structs, usable in the tests (which cannot use cgo).
type (
	cHANode       = C.struct_confd_ha_node
	cHAStatus     = C.struct_confd_ha_status
	cNotification = C.struct_confd_notification
)

// haNode is one HA node as gohad reports it: its config name, and its
// address as IP address text, a host name, or "" when unknown.
type haNode struct {
	ID   string
	Addr string
}

// haEvent is one HA notification as gohad reports it. Node is the data of
// SECONDARY_DIED/ARRIVED; Value that of NOPRIMARY (the reason),
// SECONDARY_INITIALIZED (1: copied) and BESECONDARY_RESULT (0 or a code).
type haEvent struct {
	Type  int
	Node  haNode
	Value int
}

// maxHANodes is the capacity of confd_ha_status.nodes.
const maxHANodes = len(cHAStatus{}.nodes)

// fillHANode writes node into *n. A node id or address that does not fit is
// gohad's error (it checks names against the same limits), reported as
// CONFD_ERR_INTERNAL.
func fillHANode(n *cHANode, node haNode) error {
	if node.ID == "" || len(node.ID) > maxNodeIDLen || strings.IndexByte(node.ID, 0) >= 0 {
		return confdErrf(C.CONFD_ERR_INTERNAL, "gohad reported an invalid node id %q", node.ID)
	}
	*n = cHANode{}
	for i := 0; i < len(node.ID); i++ {
		n.buf[i] = C.char(node.ID[i])
	}
	n.nodeid._type = C.C_BUF
	b := (*C.confd_buf_t)(unsafe.Pointer(&n.nodeid.val))
	b.size = C.uint(len(node.ID))
	b.ptr = (*C.uchar)(unsafe.Pointer(&n.buf[0]))

	addr := unsafe.Slice((*byte)(unsafe.Pointer(&n.addr)), unsafe.Sizeof(n.addr))
	if ip, err := netip.ParseAddr(node.Addr); err == nil && ip.Zone() == "" {
		ip = ip.Unmap()
		if ip.Is4() {
			n.af = C.AF_INET
			a := ip.As4()
			copy(addr, a[:])
		} else {
			n.af = C.AF_INET6
			a := ip.As16()
			copy(addr, a[:])
		}
		return nil
	}
	n.af = C.AF_UNSPEC
	if node.Addr == "" {
		return nil // addr.str stays NULL
	}
	if len(node.Addr) >= len(n.addr_buf) || strings.IndexByte(node.Addr, 0) >= 0 {
		return confdErrf(C.CONFD_ERR_INTERNAL, "gohad reported an invalid address %q for node %q", node.Addr, node.ID)
	}
	for i := 0; i < len(node.Addr); i++ {
		n.addr_buf[i] = C.char(node.Addr[i])
	}
	*(**C.char)(unsafe.Pointer(&n.addr)) = &n.addr_buf[0]
	return nil
}

// fillHAStatus writes an HA state (CONFD_HA_STATE_*) and its nodes into *st.
func fillHAStatus(st *cHAStatus, state int, nodes []haNode) error {
	if state < C.CONFD_HA_STATE_NONE || state > C.CONFD_HA_STATE_SECONDARY_RELAY {
		return confdErrf(C.CONFD_ERR_INTERNAL, "gohad reported an unknown HA state %d", state)
	}
	if len(nodes) > maxHANodes {
		return confdErrf(C.CONFD_ERR_INTERNAL, "gohad reported %d HA nodes; struct confd_ha_status holds %d", len(nodes), maxHANodes)
	}
	for i, node := range nodes {
		if err := fillHANode(&st.nodes[i], node); err != nil {
			return err
		}
	}
	st.state = uint32(state)
	st.num_nodes = C.int(len(nodes))
	return nil
}

// fillHANotification writes ev into *n as a CONFD_NOTIF_HA_INFO event.
func fillHANotification(n *cNotification, ev haEvent) error {
	h := (*C.struct_confd_ha_notification)(unsafe.Pointer(&n.n))
	data := unsafe.Pointer(&h.data)
	clear(unsafe.Slice((*byte)(data), unsafe.Sizeof(h.data)))
	switch ev.Type {
	case C.CONFD_HA_INFO_NOPRIMARY, C.CONFD_HA_INFO_SECONDARY_INITIALIZED, C.CONFD_HA_INFO_BESECONDARY_RESULT:
		*(*C.int)(data) = C.int(ev.Value)
	case C.CONFD_HA_INFO_SECONDARY_DIED, C.CONFD_HA_INFO_SECONDARY_ARRIVED:
		if err := fillHANode((*cHANode)(data), ev.Node); err != nil {
			return err
		}
	case C.CONFD_HA_INFO_IS_PRIMARY, C.CONFD_HA_INFO_IS_NONE:
	default:
		return confdErrf(C.CONFD_ERR_INTERNAL, "gohad reported an unknown HA event type %d", ev.Type)
	}
	n._type = C.CONFD_NOTIF_HA_INFO
	h._type = uint32(ev.Type)
	return nil
}
