package main

// The confd_* notification exports (include/confd_events.h): local checks
// and socket bookkeeping; the daemon half is not wired yet (errNotWired).
// confd_free_notification is C, in confd_compat.c.

/*
#include <sys/socket.h>
#include <confd_events.h>
#include "confd_internal.h"

typedef const struct sockaddr gh_confd_csockaddr;
*/
import "C"

import "fmt"

// Notification kinds goha produces, and every kind ConfD defines.
const (
	notifSupported = int64(C.CONFD_NOTIF_HA_INFO | C.CONFD_NOTIF_HA_INFO_SYNC)
	notifKnown     = int64(C.CONFD_NOTIF_AUDIT | C.CONFD_NOTIF_DAEMON |
		C.CONFD_NOTIF_TAKEOVER_SYSLOG | C.CONFD_NOTIF_COMMIT_SIMPLE |
		C.CONFD_NOTIF_COMMIT_DIFF | C.CONFD_NOTIF_USER_SESSION |
		C.CONFD_NOTIF_HA_INFO | C.CONFD_NOTIF_SUBAGENT_INFO |
		C.CONFD_NOTIF_COMMIT_FAILED | C.CONFD_NOTIF_SNMPA |
		C.CONFD_NOTIF_FORWARD_INFO | C.CONFD_NOTIF_NETCONF |
		C.CONFD_NOTIF_DEVEL | C.CONFD_NOTIF_HEARTBEAT |
		C.CONFD_NOTIF_CONFIRMED_COMMIT | C.CONFD_NOTIF_UPGRADE_EVENT |
		C.CONFD_NOTIF_COMMIT_PROGRESS | C.CONFD_NOTIF_AUDIT_SYNC |
		C.CONFD_NOTIF_HEALTH_CHECK | C.CONFD_NOTIF_STREAM_EVENT |
		C.CONFD_NOTIF_HA_INFO_SYNC | C.CONFD_NOTIF_REOPEN_LOGS |
		C.CONFD_NOTIF_PROGRESS | C.CONFD_NOTIF_JSONRPC |
		C.CONFD_NOTIF_WEBUI | C.CONFD_NOTIF_COMPACTION)
)

// checkNotifMask accepts a mask of HA_INFO, optionally with HA_INFO_SYNC.
func checkNotifMask(mask int64) error {
	switch {
	case mask == 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "mask is 0")
	case mask&^notifKnown != 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "mask has bits %#x that are no CONFD_NOTIF_* kind", mask&^notifKnown)
	case mask&^notifSupported != 0:
		return confdErrf(C.CONFD_ERR_NOT_IMPLEMENTED, "mask has kinds %#x; goha produces only CONFD_NOTIF_HA_INFO (with CONFD_NOTIF_HA_INFO_SYNC)", mask&^notifSupported)
	case mask&int64(C.CONFD_NOTIF_HA_INFO) == 0:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "CONFD_NOTIF_HA_INFO_SYNC needs CONFD_NOTIF_HA_INFO in the mask")
	}
	return nil
}

//export confd_notifications_connect
func confd_notifications_connect(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int, mask C.confd_notification_type) C.int {
	return confdCall("confd_notifications_connect", fmt.Sprintf("sock=%d, mask=%#x", int(sock), int64(mask)), func() error {
		if err := checkNotifMask(int64(mask)); err != nil {
			return err
		}
		if err := connectSock(int(sock), srv, srvSz); err != nil {
			return err
		}
		// Next: the hello exchange with gohad, the HA topic subscription,
		// then confdSocks.register(fd, sockNotif, id, mask).
		return notWired()
	})
}

//export confd_read_notification
func confd_read_notification(sock C.int, n *C.struct_confd_notification) C.int {
	return confdCall("confd_read_notification", fmt.Sprintf("sock=%d", int(sock)), func() error {
		if n == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "n is NULL")
		}
		if _, err := confdSocks.lookup(int(sock), sockNotif); err != nil {
			return err
		}
		return notWired()
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
		return notWired()
	})
}
