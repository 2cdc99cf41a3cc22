package node

import (
	"github.com/goha/goha/core/wire"
)

// OpError is an operation failure with its protocol code, for the
// handlers of async ops (ops.go).
type OpError struct {
	Code wire.Code
	Msg  string
}

func (e *OpError) Error() string { return e.Msg }

// Publish queues an event of kind for every client subscribed to topic.
// Call it only from an op handler or another function running on the node
// loop, so that events keep one order; body is encoded with wire.EncodeBody.
func (n *Node) Publish(topic uint32, kind string, body any) error {
	b, err := wire.EncodeBody(body)
	if err != nil {
		return err
	}
	n.ctl.publish(topic, kind, b)
	return nil
}
