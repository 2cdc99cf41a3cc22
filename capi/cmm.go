package main

/*
#include <stdlib.h>
#include <cmm.h>
#include "trampolines.h"

typedef const cmm_cmchanges_t goha_ccmchanges;
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// defaultCMMTimeout is the per-call timeout until cmm_connect sets another.
const defaultCMMTimeout = 5 * time.Second

// cmmState is the process-wide CMM session: the API has no handles. Calls
// are mutually exclusive (mu is held for the whole call, except while the
// notification callback runs).
var cmmState struct {
	mu      sync.Mutex
	conn    *client.Conn // nil until the first call, and after a failure
	timeout time.Duration
	reg     *cmmReg // the notification registration, nil if none
}

// cmmReg is the registration of cmm_cmc_register: its own connection,
// subscribed to CMM events, and the queue that feeds cmm_notify_dispatch.
type cmmReg struct {
	conn   *client.Client
	q      *queue[wire.CMMEvent]
	cb     C.cmm_notify_t
	data   unsafe.Pointer
	mu     sync.Mutex
	filter uint32 // bit (change - CMM_MASTER_ELECTED) set = delivered
}

const (
	firstChange = C.CMM_MASTER_ELECTED
	lastChange  = C.CMM_NODE_INELIGIBLE
	allChanges  = uint32(1)<<(lastChange-firstChange+1) - 1
)

// cmmError is a status decided inside capi.
type cmmError struct {
	code C.cmm_error_t
	msg  string
}

func (e *cmmError) Error() string { return e.msg }

func cmmErrf(code C.cmm_error_t, format string, args ...any) error {
	return &cmmError{code: code, msg: fmt.Sprintf(format, args...)}
}

// cmmCall is the wrapper of every CMM export: it recovers panics, holds the
// session lock, runs body and maps its error.
func cmmCall(fn string, body func() error) (rc C.cmm_error_t) {
	defer func() {
		if r := recover(); r != nil {
			record(&processErr, fn, panicError(r))
			rc = C.CMM_ENOTSUP
		}
	}()
	err := func() error {
		cmmState.mu.Lock()
		defer cmmState.mu.Unlock()
		maybePanic(fn)
		return body()
	}()
	record(&processErr, fn, err)
	return errorToCMM(err)
}

func cmmTimeout() time.Duration {
	if cmmState.timeout == 0 {
		return defaultCMMTimeout
	}
	return cmmState.timeout
}

// cmmConn returns the session connection, dialling it if needed (the CMM
// connection is implicit and re-opened after a failure). mu held.
func cmmConn() (*client.Conn, error) {
	if c := cmmState.conn; c != nil {
		// On a unix socket, a daemon that closed the connection since the
		// last call makes the request fail unsent and withConn redials:
		// the poll(2) of Closed is needed only on TCP.
		if c.Err() == nil && (c.Local() || !c.Closed()) {
			return c, nil
		}
		c.Close()
		cmmState.conn = nil
	}
	addr := ipcAddr()
	c, err := client.DialConn(addr, dialTimeout, clientOptions())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	c.SetTimeout(cmmTimeout())
	cmmState.conn = c
	return c, nil
}

// withConn runs op on the session connection. A connection that broke under
// the call is dropped so that the next call dials again.
func withConn(op func(*client.Conn) error) error {
	c, err := cmmConn()
	if err != nil {
		return err
	}
	err = op(c)
	if client.NotSent(err) { // the daemon had closed it: a new connection
		c.Close()
		cmmState.conn = nil
		if c, err = cmmConn(); err != nil {
			return err
		}
		err = op(c)
	}
	if errKind(err) == kindGone {
		c.Close()
		cmmState.conn = nil
	}
	return err
}

// fillMember copies a member record into a cmm_member_t, truncating the
// strings to their fields (always NUL-terminated).
func fillMember(dst *C.cmm_member_t, m *wire.CMMMember) {
	var out C.cmm_member_t
	out.nodeid = C.cmm_nodeid_t(m.NodeID)
	copyCString(unsafe.Pointer(&out.name[0]), len(out.name), m.Name)
	copyCString(unsafe.Pointer(&out.addr[0]), len(out.addr), m.Addr)
	out.domainid = C.cmm_domainid_t(m.DomainID)
	out.sflag = C.uint32_t(m.SFlag)
	out.incarnation_number = C.cmm_incarn_t(m.Incarnation)
	copyCString(unsafe.Pointer(&out.software_load_id[0]), len(out.software_load_id), m.SoftwareLoad)
	*dst = out
}

// copyCString writes s into a char[size] field, truncated and terminated.
func copyCString(dst unsafe.Pointer, size int, s string) {
	b := unsafe.Slice((*byte)(dst), size)
	n := copy(b[:size-1], s)
	b[n] = 0
}

//export cmm_connect
func cmm_connect(timeout C.timespec_t) C.cmm_error_t {
	return cmmCall("cmm_connect", func() error {
		if timeout.tv_sec < 0 || timeout.tv_nsec < 0 || timeout.tv_nsec >= 1e9 {
			return cmmErrf(C.CMM_EINVAL, "timeout {%d s, %d ns} is negative or has tv_nsec outside [0, 1e9)", int64(timeout.tv_sec), int64(timeout.tv_nsec))
		}
		d := time.Duration(timeout.tv_sec)*time.Second + time.Duration(timeout.tv_nsec)
		switch {
		case d == 0: // Honeycomb's library and tools pass {0, 0} for the default
			d = defaultCMMTimeout
		case timeout.tv_sec > C.time_t(time.Duration(1<<62)/time.Second):
			d = 1 << 62 // practically forever
		}
		cmmState.timeout = d
		if c := cmmState.conn; c != nil {
			c.SetTimeout(d)
		}
		return withConn(func(c *client.Conn) error { return c.Ping() })
	})
}

//export cmm_disconnect
func cmm_disconnect() C.cmm_error_t {
	return cmmCall("cmm_disconnect", func() error {
		if c := cmmState.conn; c != nil {
			c.Close()
			cmmState.conn = nil
		}
		dropRegistration()
		return nil
	})
}

// dropRegistration closes the notification connection and queue. mu held.
func dropRegistration() {
	if r := cmmState.reg; r != nil {
		r.conn.Close()
		r.q.close()
		cmmState.reg = nil
	}
}

//export cmm_node_getid
func cmm_node_getid(me *C.cmm_nodeid_t) C.cmm_error_t {
	return cmmCall("cmm_node_getid", func() error {
		if me == nil {
			return cmmErrf(C.CMM_EINVAL, "me is NULL")
		}
		var id uint32
		err := withConn(func(c *client.Conn) (err error) {
			id, err = c.NodeID()
			return err
		})
		if err != nil {
			*me = C.CMM_INVALID_NODE_ID
			return err
		}
		*me = C.cmm_nodeid_t(id)
		return nil
	})
}

// getMember runs one member query and copies its result.
func getMember(member *C.cmm_member_t, what string, q func(*client.Conn) (*wire.CMMMember, error)) error {
	if member == nil {
		return cmmErrf(C.CMM_EINVAL, "member is NULL")
	}
	var m *wire.CMMMember
	err := withConn(func(c *client.Conn) (err error) {
		m, err = q(c)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	fillMember(member, m)
	return nil
}

//export cmm_member_getinfo
func cmm_member_getinfo(nodeid C.cmm_nodeid_t, member *C.cmm_member_t) C.cmm_error_t {
	return cmmCall("cmm_member_getinfo", func() error {
		return getMember(member, fmt.Sprintf("node %d", uint32(nodeid)), func(c *client.Conn) (*wire.CMMMember, error) {
			return c.Member(uint32(nodeid))
		})
	})
}

//export cmm_potential_getinfo
func cmm_potential_getinfo(nodeid C.cmm_nodeid_t, member *C.cmm_member_t) C.cmm_error_t {
	return cmmCall("cmm_potential_getinfo", func() error {
		return getMember(member, fmt.Sprintf("node %d", uint32(nodeid)), func(c *client.Conn) (*wire.CMMMember, error) {
			return c.PotentialMember(uint32(nodeid))
		})
	})
}

//export cmm_master_getinfo
func cmm_master_getinfo(member *C.cmm_member_t) C.cmm_error_t {
	return cmmCall("cmm_master_getinfo", func() error {
		return getMember(member, "master", (*client.Conn).Master)
	})
}

//export cmm_vicemaster_getinfo
func cmm_vicemaster_getinfo(member *C.cmm_member_t) C.cmm_error_t {
	return cmmCall("cmm_vicemaster_getinfo", func() error {
		return getMember(member, "vice-master", (*client.Conn).ViceMaster)
	})
}

//export cmm_member_getcount
func cmm_member_getcount(count *C.uint32_t) C.cmm_error_t {
	return cmmCall("cmm_member_getcount", func() error {
		if count == nil {
			return cmmErrf(C.CMM_EINVAL, "member_count is NULL")
		}
		ms, err := members()
		if err != nil {
			return err
		}
		*count = C.uint32_t(len(ms))
		return nil
	})
}

func members() (ms []wire.CMMMember, err error) {
	err = withConn(func(c *client.Conn) error {
		ms, err = c.Members(false)
		return err
	})
	if err == nil && len(ms) > wire.CMMMaxMemberTable {
		ms = ms[:wire.CMMMaxMemberTable]
	}
	return ms, err
}

//export cmm_member_getall
func cmm_member_getall(tableSize C.uint32_t, table *C.cmm_member_t, count *C.uint32_t) C.cmm_error_t {
	return cmmCall("cmm_member_getall", func() error {
		if count == nil {
			return cmmErrf(C.CMM_EINVAL, "member_count is NULL")
		}
		ms, err := members()
		if err != nil {
			return err
		}
		n := len(ms)
		if table != nil && n > int(tableSize) {
			*count = C.uint32_t(n)
			return cmmErrf(C.CMM_ERANGE, "table of %d entries, %d members", uint32(tableSize), n)
		}
		if table != nil && n > 0 {
			out := unsafe.Slice(table, n)
			for i := range ms {
				fillMember(&out[i], &ms[i])
			}
		}
		*count = C.uint32_t(n)
		return nil
	})
}

// simpleOp runs an administrative request without arguments or result.
func simpleOp(fn string, op func(*client.Conn) error) C.cmm_error_t {
	return cmmCall(fn, func() error { return withConn(op) })
}

//export cmm_mastership_release
func cmm_mastership_release() C.cmm_error_t {
	return simpleOp("cmm_mastership_release", (*client.Conn).ReleaseMastership)
}

//export cmm_membership_remove
func cmm_membership_remove() C.cmm_error_t {
	return simpleOp("cmm_membership_remove", (*client.Conn).RemoveSelf)
}

//export cmm_member_seizequalif
func cmm_member_seizequalif() C.cmm_error_t {
	return simpleOp("cmm_member_seizequalif", (*client.Conn).SeizeQualification)
}

//export cmm_config_reload
func cmm_config_reload() C.cmm_error_t {
	return simpleOp("cmm_config_reload", (*client.Conn).ConfigReload)
}

//export cmm_member_setqualif
func cmm_member_setqualif(nodeid C.cmm_nodeid_t, qualif C.cmm_qualif_t) C.cmm_error_t {
	return cmmCall("cmm_member_setqualif", func() error {
		switch qualif {
		case C.CMM_QUALIFIED_MEMBER, C.CMM_DISQUALIFIED_MEMBER, C.CMM_SYNCHRO_READY, C.CMM_SYNCHRO_NEEDED:
		default:
			return cmmErrf(C.CMM_EINVAL, "qualification %d is not a cmm_qualif_t", int(qualif))
		}
		return withConn(func(c *client.Conn) error {
			if err := c.SetQualification(uint32(nodeid), int32(qualif)); err != nil {
				return fmt.Errorf("node %d: %w", uint32(nodeid), err)
			}
			return nil
		})
	})
}

//export cmm_cmc_register
func cmm_cmc_register(callback C.cmm_notify_t, clientData unsafe.Pointer) C.cmm_error_t {
	return cmmCall("cmm_cmc_register", func() error {
		if callback == nil {
			return cmmErrf(C.CMM_EINVAL, "callback is NULL")
		}
		if cmmState.reg != nil {
			return cmmErrf(C.CMM_EEXIST, "a callback is already registered")
		}
		q, err := newQueue[wire.CMMEvent]()
		if err != nil {
			return cmmErrf(C.CMM_EBUSY, "eventfd: %v", err)
		}
		c, err := dial(cmmTimeout())
		if err != nil {
			q.close()
			return err
		}
		if _, err := c.Subscribe(wire.TopicCMM, 0); err != nil {
			c.Close()
			q.close()
			return err
		}
		r := &cmmReg{conn: c, q: q, cb: callback, data: clientData, filter: allChanges}
		cmmState.reg = r
		go r.pump()
		return nil
	})
}

// pump moves CMM events into the queue until the connection ends.
func (r *cmmReg) pump() {
	for ev := range r.conn.Events() {
		if ev.CMM != nil {
			r.q.push(*ev.CMM)
		}
	}
	r.q.fail(r.conn.Err())
}

//export cmm_cmc_unregister
func cmm_cmc_unregister() C.cmm_error_t {
	return cmmCall("cmm_cmc_unregister", func() error {
		if cmmState.reg == nil {
			return cmmErrf(C.CMM_ENOENT, "no callback registered")
		}
		dropRegistration()
		return nil
	})
}

//export cmm_cmc_filter
func cmm_cmc_filter(action C.cmm_cmcfilter_t, list *C.goha_ccmchanges, count C.uint32_t) C.cmm_error_t {
	return cmmCall("cmm_cmc_filter", func() error {
		var mask uint32
		switch action {
		case C.CMM_CMC_NOTIFY_ADD, C.CMM_CMC_NOTIFY_REM, C.CMM_CMC_NOTIFY_SET:
			if list == nil && count > 0 {
				return cmmErrf(C.CMM_EINVAL, "notifications_list is NULL with count %d", uint32(count))
			}
			if count > 1024 {
				return cmmErrf(C.CMM_EINVAL, "notifications_count %d is too large", uint32(count))
			}
			if count > 0 {
				for i, ch := range unsafe.Slice((*C.cmm_cmchanges_t)(unsafe.Pointer(list)), int(count)) {
					if ch < firstChange || ch > lastChange {
						return cmmErrf(C.CMM_EINVAL, "notifications_list[%d] = %d is not a cmm_cmchanges_t", i, int(ch))
					}
					mask |= 1 << (ch - firstChange)
				}
			}
		case C.CMM_CMC_NOTIFY_ALL, C.CMM_CMC_NOTIFY_NONE:
		default:
			return cmmErrf(C.CMM_EINVAL, "unknown filter action %d", int(action))
		}
		r := cmmState.reg
		if r == nil {
			return cmmErrf(C.CMM_ENOENT, "no callback registered")
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		switch action {
		case C.CMM_CMC_NOTIFY_ADD:
			r.filter |= mask
		case C.CMM_CMC_NOTIFY_REM:
			r.filter &^= mask
		case C.CMM_CMC_NOTIFY_SET:
			r.filter = mask
		case C.CMM_CMC_NOTIFY_ALL:
			r.filter = allChanges
		case C.CMM_CMC_NOTIFY_NONE:
			r.filter = 0
		}
		return nil
	})
}

//export cmm_notify_getfd
func cmm_notify_getfd(fd *C.int) C.cmm_error_t {
	return cmmCall("cmm_notify_getfd", func() error {
		if fd == nil {
			return cmmErrf(C.CMM_EINVAL, "fd is NULL")
		}
		r := cmmState.reg
		if r == nil {
			return cmmErrf(C.CMM_ENOENT, "no callback registered")
		}
		*fd = C.int(r.q.eventFD())
		return nil
	})
}

//export cmm_notify_dispatch
func cmm_notify_dispatch() (rc C.cmm_error_t) {
	const fn = "cmm_notify_dispatch"
	defer func() {
		if r := recover(); r != nil {
			record(&processErr, fn, panicError(r))
			rc = C.CMM_ENOTSUP
		}
	}()
	maybePanic(fn)
	cmmState.mu.Lock()
	r := cmmState.reg
	cmmState.mu.Unlock()
	err := func() error {
		if r == nil {
			return cmmErrf(C.CMM_ENOENT, "no callback registered")
		}
		// Deliver what is pending now, not what arrives meanwhile, so
		// that a callback storm cannot keep the caller here forever.
		n := r.q.pending()
		handled := 0
		for ; handled < n; handled++ {
			ev, ok, err := r.q.take(false)
			if errors.Is(err, errQueueClosed) {
				break // unregistered or disconnected from a callback
			}
			if err != nil || !ok {
				break
			}
			r.mu.Lock()
			wanted := ev.Change >= uint32(firstChange) && ev.Change <= uint32(lastChange) &&
				r.filter&(1<<(ev.Change-uint32(firstChange))) != 0
			r.mu.Unlock()
			if wanted {
				C.capi_cmm_call_notify(r.cb, C.cmm_cmchanges_t(ev.Change), C.cmm_nodeid_t(ev.Node), r.data)
			}
		}
		if handled > 0 {
			return nil
		}
		if closed, gone := r.q.failed(); closed {
			return cmmErrf(C.CMM_EBADF, "registration closed")
		} else if gone != nil {
			return cmmErrf(C.CMM_EBADF, "notification connection failed: %v", gone)
		}
		return cmmErrf(C.CMM_ENOMSG, "no notification pending")
	}()
	record(&processErr, fn, err)
	return errorToCMM(err)
}
