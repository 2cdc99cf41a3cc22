package node

import (
	"fmt"
	"sync/atomic"

	"github.com/goha/goha/core/wire"
)

// OpHandler serves one extension operation (for example the HA role and
// config-store operations of a later subsystem). It runs on the node loop
// and must not block: it decodes body with wire.DecodeBody and calls reply
// exactly once, either before returning or later from any goroutine (a
// synchronous commit that waits for secondaries replies when they acked).
// An error passed to reply may be an *OpError to choose its code;
// otherwise the code is CodeInternal.
type OpHandler func(body []byte, reply func(result any, err error))

// OpError is an operation failure with its protocol code, for OpHandlers.
type OpError struct {
	Code wire.Code
	Msg  string
}

func (e *OpError) Error() string { return e.Msg }

// RegisterOp adds an operation to the control protocol. Call it after
// Start and before Run; built-in op names cannot be replaced.
func (n *Node) RegisterOp(op string, h OpHandler) error {
	if _, ha := n.connOps[op]; builtinOps[op] || ha {
		return fmt.Errorf("node: op %q is built in", op)
	}
	if n.ext == nil {
		n.ext = map[string]OpHandler{}
	}
	if _, dup := n.ext[op]; dup {
		return fmt.Errorf("node: op %q registered twice", op)
	}
	n.ext[op] = h
	return nil
}

// Publish queues an event of kind for every client subscribed to topic.
// Call it only from an OpHandler or another function running on the node
// loop, so that events keep one order; body is encoded with wire.EncodeBody.
func (n *Node) Publish(topic uint32, kind string, body any) error {
	b, err := wire.EncodeBody(body)
	if err != nil {
		return err
	}
	n.ctl.publish(topic, kind, b)
	return nil
}

var builtinOps = map[string]bool{
	wire.OpPing: true, wire.OpStatus: true, wire.OpSubscribe: true, wire.OpVQGetInfo: true,
	wire.OpVQSetExpected: true, wire.OpVQSetVotes: true, wire.OpQDeviceRegister: true, wire.OpQDeviceUnreg: true,
	wire.OpQDeviceUpdate: true, wire.OpQDevicePoll: true, wire.OpQDeviceMasterWin: true, wire.OpCMMNodeID: true,
	wire.OpCMMMember: true, wire.OpCMMMembers: true, wire.OpCMMMaster: true, wire.OpCMMViceMaster: true,
	wire.OpCMMRelease: true, wire.OpCMMRemove: true, wire.OpCMMSetQualif: true, wire.OpCMMSeizeQualif: true,
	wire.OpConfigReload: true, wire.OpVQShm: true,
}

// handleExt runs a registered extension op; it reports whether op exists.
func (n *Node) handleExt(c *ctlConn, m *wire.Msg) bool {
	h, ok := n.ext[m.Op]
	ch, cok := n.connOps[m.Op]
	if !ok && !cok {
		return false
	}
	var replied atomic.Bool
	id, op := m.ID, m.Op
	reply := func(res any, err error) {
		if replied.Swap(true) {
			n.log.Error("op handler replied twice", "op", op)
			return
		}
		if err != nil {
			code := wire.CodeInternal
			if oe, ok := err.(*OpError); ok {
				code = oe.Code
			}
			c.reply(id, code, err.Error(), nil)
			return
		}
		body, err := wire.EncodeBody(res)
		if err != nil {
			c.reply(id, wire.CodeInternal, err.Error(), nil)
			return
		}
		c.reply(id, wire.CodeOK, "", body)
	}
	if cok {
		ch(c, m.Body, reply)
	} else {
		h(m.Body, reply)
	}
	return true
}
