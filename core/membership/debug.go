package membership

import (
	"fmt"
	"strings"
)

// Debug returns a multi-line dump of the node's internal state (for
// simulator failure reports and debugging; the format is not stable).
func (n *Node) Debug() string {
	var b strings.Builder
	fmt.Fprintf(&b, "n%d inc=%d now=%d acked=%s installed=%t ring=%s members=%v master=%d vice=%d desired=%v pub=%+v prop=%v demoted=%t\n",
		n.cfg.Self, n.ps.Incarnation, n.now, n.acked, n.installed, n.cur.ring, n.cur.members, n.cur.master, n.cur.vice,
		n.desired, n.pub, n.prop != nil, n.demoted)
	fmt.Fprintf(&b, "  admin: adm=%x clock=%x exp=%x votes=%v log=%d expected=%d\n", n.adm, n.admClock, n.admExp, n.admVotes, len(n.admLog), n.myInfo().ExpectedVotes)
	for _, p := range n.peers {
		if p.idx == n.self {
			continue
		}
		fmt.Fprintf(&b, "  peer %d inc=%d heard=%t last=%d mutual=%t since=%d ring=%s hears=%b view=%b flags=%b support=%d peerNow=%d need=%x heardAdm=%x info=%+v\n",
			p.cfg.ID, p.inc, n.heard(p), p.lastHeard, n.mutual(p), p.mutualSince, p.ring, p.hears, p.view, p.flags, p.support, p.peerNow, p.need, p.heard, p.info)
	}
	return b.String()
}
