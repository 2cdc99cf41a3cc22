package membership

import "github.com/goha/goha/core/quorum"

// SetTwoNode switches two_node at run time on this node (a config reload:
// as in corosync, each node applies its own file, nothing is sent), with
// quorum.ApplyTwoNode's rules, and publishes the resulting quorum change.
func (n *Node) SetTwoNode(on bool) error {
	if n.removed {
		return ErrRemoved
	}
	r, err := quorum.ApplyTwoNode(n.qin, on)
	if err != nil {
		return err
	}
	n.cfg.Quorum.TwoNode = on
	n.applyQuorum(r, false)
	n.publish()
	return nil
}
