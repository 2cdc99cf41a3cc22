package main

// The confd_* notification exports (include/confd_events.h). A notification
// socket subscribes to gohad's HA events (wire.OpHANotify); after that the
// daemon only writes events to it, which confd_read_notification reads one
// at a time on the caller's thread when the caller found the fd readable.
// With CONFD_NOTIF_HA_INFO_SYNC, gohad delivers the next event only after
// confd_sync_ha_notification acknowledged this one, so the acknowledgement's
// reply is always the next frame on the socket.
// confd_free_notification is C, in confd_compat.c.

/*
#include <sys/socket.h>
#include <confd_events.h>
#include "confd_internal.h"

typedef const struct sockaddr gh_confd_csockaddr;
*/
import "C"

import (
	"fmt"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// Every notification kind ConfD and NSO define. goha produces HA_INFO
// (with HA_INFO_SYNC); the others are accepted and never delivered.
const notifKnown = int64(C.CONFD_NOTIF_AUDIT | C.CONFD_NOTIF_DAEMON |
	C.CONFD_NOTIF_TAKEOVER_SYSLOG | C.CONFD_NOTIF_COMMIT_SIMPLE |
	C.CONFD_NOTIF_COMMIT_DIFF | C.CONFD_NOTIF_USER_SESSION |
	C.CONFD_NOTIF_HA_INFO | C.CONFD_NOTIF_SUBAGENT_INFO |
	C.CONFD_NOTIF_COMMIT_FAILED | C.CONFD_NOTIF_SNMPA |
	C.CONFD_NOTIF_FORWARD_INFO | C.CONFD_NOTIF_NETCONF |
	C.CONFD_NOTIF_DEVEL | C.CONFD_NOTIF_HEARTBEAT |
	C.CONFD_NOTIF_CONFIRMED_COMMIT | C.CONFD_NOTIF_UPGRADE_EVENT |
	C.CONFD_NOTIF_COMMIT_PROGRESS | C.CONFD_NOTIF_AUDIT_SYNC |
	C.CONFD_NOTIF_HEALTH_CHECK | C.CONFD_NOTIF_STREAM_EVENT |
	C.CONFD_NOTIF_HA_INFO_SYNC | C.NCS_NOTIF_PACKAGE_RELOAD |
	C.NCS_NOTIF_CQ_PROGRESS | C.CONFD_NOTIF_REOPEN_LOGS |
	C.CONFD_NOTIF_PROGRESS | C.NCS_NOTIF_CALL_HOME_INFO |
	C.CONFD_NOTIF_JSONRPC | C.CONFD_NOTIF_WEBUI |
	C.NCS_NOTIF_AUDIT_NETWORK | C.NCS_NOTIF_AUDIT_NETWORK_SYNC |
	C.CONFD_NOTIF_COMPACTION | C.CONFD_NOTIF_SYSTEM_GOING_DOWN)

// notifNeedData are the kinds whose parameters come with
// confd_notifications_connect2.
const notifNeedData = int64(C.CONFD_NOTIF_HEARTBEAT | C.CONFD_NOTIF_HEALTH_CHECK | C.CONFD_NOTIF_STREAM_EVENT)

// checkNotifMask accepts any mask of ConfD kinds; HA_INFO_SYNC needs HA_INFO.
func checkNotifMask(mask int64) error {
	switch {
	case mask == 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "mask is 0")
	case mask&^notifKnown != 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "mask has bits %#x that are no CONFD_NOTIF_* kind", mask&^notifKnown)
	case mask&int64(C.CONFD_NOTIF_HA_INFO_SYNC) != 0 && mask&int64(C.CONFD_NOTIF_HA_INFO) == 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "CONFD_NOTIF_HA_INFO_SYNC needs CONFD_NOTIF_HA_INFO in the mask")
	}
	return nil
}

//export confd_notifications_connect
func confd_notifications_connect(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int, mask C.confd_notification_type) C.int {
	return confdCall("confd_notifications_connect", fmt.Sprintf("sock=%d, mask=%#x", int(sock), int64(mask)), func() error {
		return notifConnect(sock, srv, srvSz, int64(mask))
	})
}

//export confd_notifications_connect2
func confd_notifications_connect2(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int, mask C.confd_notification_type, data *C.struct_confd_notifications_data) C.int {
	return confdCall("confd_notifications_connect2", fmt.Sprintf("sock=%d, mask=%#x", int(sock), int64(mask)), func() error {
		if err := checkNotifData(int64(mask), data); err != nil {
			return err
		}
		return notifConnect(sock, srv, srvSz, int64(mask))
	})
}

// checkNotifData checks the parameters of confd_notifications_connect2
// (goha produces none of the kinds that use them).
func checkNotifData(mask int64, d *C.struct_confd_notifications_data) error {
	if d == nil {
		if mask&notifNeedData != 0 {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "data is NULL but mask asks for heartbeat, health check or stream events")
		}
		return nil
	}
	timeOK := func(v *C.confd_value_t) bool { return v._type == C.C_NOEXISTS || v._type == C.C_DATETIME }
	switch {
	case d.heartbeat_interval < 0 || d.health_check_interval < 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "negative interval (heartbeat %d, health check %d)", int(d.heartbeat_interval), int(d.health_check_interval))
	case !timeOK(&d.start_time) || !timeOK(&d.stop_time):
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "start_time and stop_time must be C_NOEXISTS or C_DATETIME")
	case d.verbosity < C.CONFD_VERBOSITY_NORMAL || d.verbosity > C.CONFD_VERBOSITY_DEBUG:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "verbosity %d is not a confd_progress_verbosity", int(d.verbosity))
	}
	return nil
}

// notifConnect connects a notification socket; without HA_INFO in mask it
// never receives anything (goha produces no other kind).
func notifConnect(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int, mask int64) error {
	if err := checkNotifMask(mask); err != nil {
		return err
	}
	id, err := connectSock(int(sock), srv, srvSz)
	if err != nil {
		return err
	}
	s, err := confdHello(int(sock), sockNotif, id, mask)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if mask&int64(C.CONFD_NOTIF_HA_INFO) != 0 {
		sync := mask&int64(C.CONFD_NOTIF_HA_INFO_SYNC) != 0
		if err := s.call(wire.OpHANotify, &wire.HANotifyArg{Sync: sync}, nil); err != nil {
			return err
		}
	}
	confdSocks.add(s)
	return nil
}

//export confd_read_notification
func confd_read_notification(sock C.int, n *C.struct_confd_notification) C.int {
	return confdCall("confd_read_notification", fmt.Sprintf("sock=%d", int(sock)), func() error {
		if n == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "n is NULL")
		}
		s, err := confdSocks.lookup(int(sock), sockNotif)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.conn.Err(); err != nil {
			return confdErrOf("confd_read_notification", err)
		}
		if s.needAck {
			// gohad sends nothing more until the acknowledgement: reading
			// would block for ever.
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "acknowledge the previous HA notification with confd_sync_ha_notification first")
		}
		ev, err := s.conn.ReadEvent()
		if err != nil {
			return confdErrOf("confd_read_notification", err)
		}
		e, err := client.HAEventOf(ev)
		if err != nil {
			return confdErrf(C.CONFD_ERR_INTERNAL, "daemon sent %v", err)
		}
		v := e.Value
		if e.Type == C.CONFD_HA_INFO_NOPRIMARY || e.Type == C.CONFD_HA_INFO_BESECONDARY_RESULT {
			v = int(confdErrno(wire.Code(v))) // the reason, a reply code
		}
		if err := fillHANotification(n, haEvent{Type: e.Type, Node: haNode{ID: e.Node.Name, Addr: hostOf(e.Node.Addr)}, Value: v}); err != nil {
			return err
		}
		s.needAck = s.mask&int64(C.CONFD_NOTIF_HA_INFO_SYNC) != 0
		return nil
	})
}

//export confd_sync_ha_notification
func confd_sync_ha_notification(sock C.int) C.int {
	return confdCall("confd_sync_ha_notification", fmt.Sprintf("sock=%d", int(sock)), func() error {
		s, err := confdSocks.lookup(int(sock), sockNotif)
		if err != nil {
			return err
		}
		if s.mask&int64(C.CONFD_NOTIF_HA_INFO_SYNC) == 0 {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d was connected without CONFD_NOTIF_HA_INFO_SYNC", int(sock))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.needAck && s.conn.Err() == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "no HA notification read from socket %d awaits acknowledgement", int(sock))
		}
		if err := s.call(wire.OpHASyncAck, nil, nil); err != nil {
			return err
		}
		s.needAck = false
		return nil
	})
}
