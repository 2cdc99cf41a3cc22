package node

import (
	"github.com/goha/goha/core/wire"
)

// The op table: every operation of the control protocol, its handler and
// how it is served. It is the one list of ops: the loop dispatches through
// it (handle), and an op that is not in it is CodeUnknownOp. To add an
// operation: name it in core/wire (ops.go or a file of its subsystem, with
// its argument and result types), write its handler, add one entry here,
// and list it with its codes in the table of doc.go.
var ops = map[string]opSpec{
	wire.OpPing:      call(func(*Node) (any, error) { return nil, nil }),
	wire.OpStatus:    call(func(n *Node) (any, error) { return n.status(), nil }),
	wire.OpSubscribe: {call: withArg((*Node).opSubscribe), after: (*Node).afterSubscribe},

	wire.OpVQGetInfo:        callArg((*Node).opVQGetInfo),
	wire.OpVQSetExpected:    callArg((*Node).opVQSetExpected),
	wire.OpVQSetVotes:       callArg((*Node).opVQSetVotes),
	wire.OpQDeviceRegister:  callArg((*Node).opQDeviceRegister),
	wire.OpQDeviceUnreg:     callArg((*Node).opQDeviceUnregister),
	wire.OpQDeviceUpdate:    callArg((*Node).opQDeviceUpdate),
	wire.OpQDevicePoll:      callArg((*Node).opQDevicePoll),
	wire.OpQDeviceMasterWin: callArg((*Node).opQDeviceMasterWins),
	wire.OpVQShm:            {raw: (*Node).replyVQShm},

	wire.OpCMMNodeID:      call(func(n *Node) (any, error) { return &wire.NodeArg{Node: n.self.ID}, nil }),
	wire.OpCMMMember:      callArg(func(n *Node, a *wire.MemberArg) (any, error) { return n.cmmMember(a.Node, a.Potential) }),
	wire.OpCMMMembers:     callArg(func(n *Node, a *wire.MembersArg) (any, error) { return n.cmmMembers(a.All) }),
	wire.OpCMMMaster:      call((*Node).opCMMMaster),
	wire.OpCMMViceMaster:  call((*Node).opCMMViceMaster),
	wire.OpCMMRelease:     call(func(n *Node) (any, error) { return nil, n.mem.ReleaseMastership() }),
	wire.OpCMMRemove:      call(func(n *Node) (any, error) { return nil, n.mem.RemoveSelf() }),
	wire.OpCMMSetQualif:   callArg(func(n *Node, a *wire.SetQualifArg) (any, error) { return nil, n.setQualif(*a) }),
	wire.OpCMMSeizeQualif: call((*Node).opCMMSeizeQualif),
	wire.OpConfigReload:   call(func(n *Node) (any, error) { return nil, n.configReload() }),
	wire.OpHASwitchover:   callArg((*Node).opSwitchover),
	wire.OpHAForcePrimary: callArg((*Node).opForcePrimary),

	wire.OpHAConnect:       haOp((*haService).opConnect),
	wire.OpHABePrimary:     haOp((*haService).opBePrimary),
	wire.OpHABeSecondary:   haOp((*haService).opBeSecondary),
	wire.OpHABeRelay:       haOp((*haService).opBeRelay),
	wire.OpHABeNone:        haOp((*haService).opBeNone),
	wire.OpHASecondaryDead: haOp((*haService).opSecondaryDead),
	wire.OpHAStatus:        {async: (*Node).opHAStatus},
	wire.OpHANotify:        haOp((*haService).opNotify),
	wire.OpHASyncAck:       haOp((*haService).opSyncAck),
	wire.OpCDBGet:          haOp((*haService).opGet),
	wire.OpCDBSet:          haOp((*haService).opSet),
	wire.OpCDBDelete:       haOp((*haService).opDelete),
	wire.OpCDBDump:         haOp((*haService).opDump),

	wire.OpQuorumGetQuorate: call((*Node).opQuorumGetQuorate),
	wire.OpCMapGet:          callArg((*Node).opCMapGet),
	wire.OpCMapSet:          callArg((*Node).opCMapSet),
	wire.OpCMapDelete:       callArg((*Node).opCMapDelete),
	wire.OpCMapAdjust:       callArg((*Node).opCMapAdjust),
	wire.OpCMapIter:         callArg((*Node).opCMapIter),
	wire.OpCMapTrack:        {call: withArg((*Node).opCMapTrack)},
	wire.OpCMapUntrack:      {call: withArg((*Node).opCMapUntrack)},
	wire.OpCfgNodeAddrs:     callArg((*Node).opCfgNodeAddrs),
	wire.OpCfgNodeStatus:    callArg((*Node).opCfgNodeStatus),
	wire.OpCfgLinks:         call((*Node).opCfgLinks),
	wire.OpCfgTrack:         {call: withArg((*Node).opCfgTrack)},
	wire.OpCfgShutdown:      {async: (*Node).opCfgShutdown},
	wire.OpCfgReply:         {call: withArg((*Node).opCfgReply)},
	wire.OpCfgKill:          {call: withArg((*Node).opCfgKill)},
	wire.OpCfgReload:        call((*Node).opCfgReload),

	wire.OpCDBWatch:     cdbOp((*cdbService).opWatch),
	wire.OpCDBExists:    cdbOp((*cdbService).opExists),
	wire.OpCDBSetText:   cdbOp((*cdbService).opSetText),
	wire.OpCDBSubscribe: cdbOp((*cdbService).opSubscribe),
	wire.OpCDBSubDone:   cdbOp((*cdbService).opSubDone),
	wire.OpCDBDiff:      cdbOp((*cdbService).opDiff),
	wire.OpCDBSync:      cdbOp((*cdbService).opSync),
}

// opSpec is one entry of the op table. Exactly one of call, async and raw
// is set; all of them run on the node loop and must not block it.
type opSpec struct {
	// call answers at once: its result (encoded with wire.EncodeBody; nil
	// for an empty body) or its error (codeOf) is the reply. The loop
	// republishes the votequorum info page before queueing the reply, so
	// a client reads its own writes there.
	call func(n *Node, c *ctlConn, m *wire.Msg) (any, error)
	// after, with call, runs once call's reply is queued (a subscription's
	// snapshot must follow the reply).
	after func(n *Node, c *ctlConn, m *wire.Msg)
	// async must call reply exactly once, before returning or later from
	// any goroutine (a sync-mode commit replies when the secondaries
	// acked). An *OpError chooses the code; any other error is
	// CodeInternal.
	async func(n *Node, c *ctlConn, body []byte, reply func(any, error))
	// raw queues the reply to request id itself (vq.shm passes a
	// descriptor with it).
	raw func(n *Node, c *ctlConn, id uint64)
}

// call adapts a handler without argument.
func call(f func(n *Node) (any, error)) opSpec {
	return opSpec{call: func(n *Node, _ *ctlConn, _ *wire.Msg) (any, error) { return f(n) }}
}

// callArg adapts a handler of one decoded argument.
func callArg[A any](f func(n *Node, a *A) (any, error)) opSpec {
	return opSpec{call: withArg(func(n *Node, _ *ctlConn, a *A) (any, error) { return f(n, a) })}
}

// withArg decodes the request's argument of type A for f; an undecodable
// one is CodeBadRequest.
func withArg[A any](f func(n *Node, c *ctlConn, a *A) (any, error)) func(*Node, *ctlConn, *wire.Msg) (any, error) {
	return func(n *Node, c *ctlConn, m *wire.Msg) (any, error) {
		var a A
		if err := decodeArg(m, &a); err != nil {
			return nil, err
		}
		return f(n, c, &a)
	}
}

// haOp serves an op of the HA service (ha.go).
func haOp(f func(h *haService, c *ctlConn, body []byte, reply func(any, error))) opSpec {
	return opSpec{async: func(n *Node, c *ctlConn, body []byte, reply func(any, error)) {
		if n.ha == nil {
			reply(nil, &OpError{Code: wire.CodeNotSupported, Msg: "this node runs no HA service"})
			return
		}
		f(n.ha, c, body, reply)
	}}
}

// cdbOp serves an op of the config store's change subscriptions
// (cdbsub.go).
func cdbOp(f func(s *cdbService, c *ctlConn, body []byte, reply func(any, error))) opSpec {
	return opSpec{async: func(n *Node, c *ctlConn, body []byte, reply func(any, error)) {
		if n.ha == nil || n.ha.cdb == nil {
			reply(nil, &OpError{Code: wire.CodeNotSupported, Msg: "this node serves no config store subscriptions"})
			return
		}
		f(n.ha.cdb, c, body, reply)
	}}
}
