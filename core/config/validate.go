package config

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// Limits enforced by Validate.
const (
	// MaxNodes bounds the node list (cmm_member_getall returns at most 1024).
	MaxNodes = 1024
	// MaxNameLen is the longest node or cluster name in bytes
	// (CMM_MAX_NAME_SIZE 256, less the NUL).
	MaxNameLen = 255
	// MaxAddrLen is the longest addr in bytes (CMM_MAX_ADDR_SIZE 64, less
	// the NUL: cmm_member_t carries it as a string).
	MaxAddrLen = 63
	// MaxVotes bounds one node's votes so that sums never overflow.
	MaxVotes = 65535
	// MaxUnixPathLen is the longest unix socket path (sun_path is 108
	// bytes on Linux, including the NUL).
	MaxUnixPathLen = 107
	// MinHeartbeat is the shortest heartbeat interval accepted.
	MinHeartbeat = time.Millisecond
)

func (c *Config) validate() error {
	var p problems
	if c.ClusterName == "" {
		p.add("cluster_name", nil, "missing or empty")
	} else if err := checkName(c.ClusterName); err != "" {
		p.add("cluster_name", c.ClusterName, "%s", err)
	}
	c.validateKeys(&p)

	if c.Timing.Heartbeat < MinHeartbeat {
		p.add("timing.heartbeat", c.Timing.Heartbeat, "must be at least %s", MinHeartbeat)
	}
	if c.Timing.FailureTimeout <= c.Timing.Heartbeat {
		p.add("timing.failure_timeout", c.Timing.FailureTimeout, "must be larger than timing.heartbeat (%s)", c.Timing.Heartbeat)
	}

	c.validateQuorum(&p)

	if c.HA.TokenSet && strings.TrimSpace(c.HA.Token) == "" {
		p.add("ha.token", nil, "empty (leave it out: the HA handshake is keyed by the authkey anyway)")
	}
	if tls := c.HA; (tls.TLSCert != "" || tls.TLSKey != "" || tls.TLSCA != "") &&
		(tls.TLSCert == "" || tls.TLSKey == "" || tls.TLSCA == "") {
		p.add("ha.tls_cert", nil, "ha.tls_cert, ha.tls_key and ha.tls_ca go together: set all three or none")
	}
	if c.HA.TickTimeout <= 0 {
		p.add("ha.tick_timeout", c.HA.TickTimeout, "must be positive")
	}
	if c.HA.Replication != ReplicationSync && c.HA.Replication != ReplicationAsync {
		p.add("ha.replication", c.HA.Replication, "must be %q or %q", ReplicationSync, ReplicationAsync)
	}

	switch c.Logging.Level {
	case "", "debug", "info", "warn", "error":
	default:
		p.add("logging.level", c.Logging.Level, "must be debug, info, warn or error")
	}

	if c.Metrics.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Metrics.Listen); err != nil || port == "" {
			p.add("metrics.listen", c.Metrics.Listen, "want host:port, e.g. \"127.0.0.1:9465\"")
		}
	}

	c.validateNodes(&p)
	c.validateAuto(&p)
	if w := c.Fencing.Watchdog; w != "" && !strings.HasPrefix(w, "/") {
		p.add("fencing.watchdog", w, "must be an absolute device path such as \"/dev/watchdog\"")
	}
	return p.err()
}

// validateKeys checks authkey / authkey_file: exactly one, and an inline
// key long enough. Key values never appear in messages.
func (c *Config) validateKeys(p *problems) {
	switch {
	case c.AuthKeyFile != "" && c.AuthKey != "" && !c.keyRead:
		p.add("authkey_file", c.AuthKeyFile, "set together with authkey: use one of them")
	case c.AuthKeyFile != "":
	case strings.TrimSpace(c.AuthKey) == "":
		p.add("authkey", nil, "missing or empty: every node must share a secret key (authkey_file = FILE, made with gohactl keygen FILE)")
	case len(c.AuthKey) < MinKeyLen:
		p.add("authkey", nil, "%d bytes: at least %d are needed (better: authkey_file = FILE, made with gohactl keygen FILE)", len(c.AuthKey), MinKeyLen)
	case len(c.AuthKey) > MaxKeyLen:
		p.add("authkey", nil, "%d bytes: at most %d", len(c.AuthKey), MaxKeyLen)
	}
}

// validateAuto checks [ha] mode and what auto mode needs: quorums that
// always intersect (its safety argument rests on it, see core/node/engine),
// a data node that can be primary, and min_sync within reach.
func (c *Config) validateAuto(p *problems) {
	switch c.HA.Mode {
	case ModeExternal, ModeAuto:
	default:
		p.add("ha.mode", c.HA.Mode, "must be %q or %q", ModeExternal, ModeAuto)
		return
	}
	data := c.DataNodes()
	if c.HA.MinSync > len(data)-1 && len(data) > 0 {
		p.add("ha.min_sync", c.HA.MinSync, "only %d other data node(s) could be in sync", len(data)-1)
	}
	if !c.Auto() {
		return
	}
	q := c.Quorum
	why := "auto mode needs every two quorate partitions to share a node; use a witness node instead"
	if q.TwoNode {
		p.add("quorum.two_node", true, "%s", why)
	}
	if q.LastManStanding {
		p.add("quorum.last_man_standing", true, "%s", why)
	}
	if q.AutoTieBreaker {
		p.add("quorum.auto_tie_breaker", true, "%s", why)
	}
	if q.ExpectedVotes > 0 && q.ExpectedVotes < c.TotalVotes() {
		p.add("quorum.expected_votes", q.ExpectedVotes, "below the %d configured votes: %s", c.TotalVotes(), why)
	}
	eligible := false
	for _, n := range data {
		eligible = eligible || n.Eligible
	}
	if !eligible {
		p.add("node", nil, "auto mode needs an eligible node that is not a witness")
	}
}

func (c *Config) validateQuorum(p *problems) {
	q := c.Quorum
	if q.TwoNode && len(c.Nodes) != 2 {
		p.add("quorum.two_node", true, "needs exactly 2 nodes, the file has %d", len(c.Nodes))
	}
	if total := c.TotalVotes(); q.ExpectedVotes > 0 && !q.TwoNode && (uint64(q.ExpectedVotes)+2)/2 > uint64(total) {
		p.add("quorum.expected_votes", q.ExpectedVotes, "the nodes have only %d votes in all, so the cluster could never be quorate", total)
	}
	if q.LastManStandingWindow <= 0 {
		p.add("quorum.last_man_standing_window", q.LastManStandingWindow, "must be positive")
	}
	if q.LastManStanding {
		for i, n := range c.Nodes {
			if n.Votes > 1 {
				p.add(nodeKey(i, n.Name, "votes"), n.Votes, "last_man_standing works only when every node has 1 vote: set votes = 1 or turn last_man_standing off")
			}
		}
	}
	if !q.AutoTieBreaker {
		return
	}
	_, ids, err := ParseATBNode(q.AutoTieBreakerNode)
	if err != nil {
		p.add("quorum.auto_tie_breaker_node", q.AutoTieBreakerNode, "%v", err)
	}
	for _, id := range ids {
		if _, ok := c.NodeByID(id); !ok {
			p.add("quorum.auto_tie_breaker_node", q.AutoTieBreakerNode, "node id %d is not a configured node", id)
		}
	}
	if q.TwoNode {
		// corosync disables two_node here with a critical log line.
		p.add("quorum.two_node", true, "not compatible with auto_tie_breaker (two_node relies on a fencing race)")
	}
	if c.TotalVotes()%2 == 1 {
		// With an odd total, votequorum's tie-breaker also grants quorum
		// to the side holding expected/2 votes and relies on "fewer nodes
		// left than quorum" to rule out the other side, which compares a
		// node count with votes: with weighted votes both sides of a
		// split can be quorate (found by core/quorum's FuzzSplitBrain).
		for i, n := range c.Nodes {
			if n.Votes != 1 {
				p.add(nodeKey(i, n.Name, "votes"), n.Votes, "auto_tie_breaker with an odd number of votes (%d) needs 1 vote per node: otherwise both sides of a split can be quorate", c.TotalVotes())
				break
			}
		}
	}
	if c.TotalVotes()%2 == 1 && !q.WaitForAll {
		// corosync disables auto_tie_breaker (or refuses to start with
		// last_man_standing): an isolated half+1 without the tie-breaker
		// node could otherwise become quorate after a restart.
		p.add("quorum.auto_tie_breaker", true, "an odd number of votes (%d) needs quorum.wait_for_all = true", c.TotalVotes())
	}
}

func (c *Config) validateNodes(p *problems) {
	if len(c.Nodes) == 0 {
		p.add("node", nil, "no [[node]] entries: at least one node is needed")
		return
	}
	if len(c.Nodes) > MaxNodes {
		p.add("node", nil, "%d nodes: at most %d", len(c.Nodes), MaxNodes)
	}
	ids := map[uint32]int{}
	names := map[string]int{}
	udp := map[string]string{} // normalised endpoint -> key that uses it
	tcp := map[string]string{}
	unix := map[string]string{}
	eligible := false
	for i, n := range c.Nodes {
		key := func(k string) string { return nodeKey(i, n.Name, k) }
		switch {
		case n.ID == 0:
			p.add(key("id"), n.ID, "must be at least 1 (0 is reserved for the quorum device)")
		case n.ID == math.MaxUint32:
			p.add(key("id"), n.ID, "reserved (CMM_INVALID_NODE_ID)")
		default:
			if j, dup := ids[n.ID]; dup {
				p.add(key("id"), n.ID, "%s has this id too: give every node its own id", nodeLabel(j, c.Nodes[j].Name))
			} else {
				ids[n.ID] = i
			}
		}
		if n.Name == "" {
			p.add(key("name"), nil, "missing or empty")
		} else if err := checkName(n.Name); err != "" {
			p.add(key("name"), n.Name, "%s", err)
		} else if j, dup := names[n.Name]; dup {
			p.add(key("name"), n.Name, "%s has this name too: give every node its own name", nodeLabel(j, c.Nodes[j].Name))
		} else {
			names[n.Name] = i
		}

		if ep, err := checkHostPort(n.Addr); err != "" {
			p.add(key("addr"), n.Addr, "%s", err)
		} else if len(n.Addr) > MaxAddrLen {
			p.add(key("addr"), n.Addr, "longer than %d bytes", MaxAddrLen)
		} else if other, dup := udp[ep]; dup {
			p.add(key("addr"), n.Addr, "same endpoint as %s", other)
		} else {
			udp[ep] = key("addr")
		}
		if n.Witness && n.HAAddr == "" {
			// a witness has no HA listener
		} else if ep, err := checkHostPort(n.HAAddr); err != "" {
			p.add(key("ha_addr"), n.HAAddr, "%s", err)
		} else if other, dup := tcp[ep]; dup {
			p.add(key("ha_addr"), n.HAAddr, "same endpoint as %s", other)
		} else {
			tcp[ep] = key("ha_addr")
		}
		if path, ok := strings.CutPrefix(n.IPC, "unix:"); ok {
			switch {
			case path == "":
				p.add(key("ipc"), n.IPC, "empty socket path")
			case len(path) > MaxUnixPathLen:
				p.add(key("ipc"), n.IPC, "socket path longer than %d bytes", MaxUnixPathLen)
			case strings.ContainsRune(path, 0):
				p.add(key("ipc"), n.IPC, "socket path contains a NUL byte")
			default:
				if other, dup := unix[path]; dup {
					p.add(key("ipc"), n.IPC, "same socket as %s", other)
				} else {
					unix[path] = key("ipc")
				}
			}
		} else if ep, err := checkHostPort(n.IPC); err != "" {
			p.add(key("ipc"), n.IPC, "must be unix:/path or host:port: %s", err)
		} else if other, dup := tcp[ep]; dup {
			p.add(key("ipc"), n.IPC, "same endpoint as %s", other)
		} else {
			tcp[ep] = key("ipc")
		}

		switch {
		case n.Votes == 0:
			p.add(key("votes"), n.Votes, "votes must be at least 1")
		case n.Votes > MaxVotes:
			p.add(key("votes"), n.Votes, "votes must be at most %d", MaxVotes)
		}
		eligible = eligible || n.Eligible
	}
	if !eligible {
		p.add("node", nil, "no node has eligible = true: the cluster could never elect a master")
	}
}

// checkName accepts names made of letters, digits, '.', '_' and '-' (they
// travel as C strings and appear in logs and file names).
func checkName(s string) string {
	if len(s) > MaxNameLen {
		return fmt.Sprintf("longer than %d bytes", MaxNameLen)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Sprintf("character %q not allowed (use letters, digits, '.', '_', '-')", r)
		}
	}
	return ""
}

// checkHostPort validates "host:port" with a numeric port 1..65535 and a
// host that peers can reach (an IP other than the unspecified address, or a
// DNS name). It returns a normalised endpoint for duplicate detection.
func checkHostPort(s string) (string, string) {
	if s == "" {
		return "", "missing or empty"
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", "not host:port"
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil || pn == 0 {
		return "", "port must be a number from 1 to 65535"
	}
	if host == "" {
		return "", "host missing"
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsUnspecified() {
			return "", "unspecified address: peers and clients must be able to reach it"
		}
		return net.JoinHostPort(ip.String(), port), ""
	}
	if !validHostname(host) {
		return "", "host is neither an IP address nor a DNS name"
	}
	return net.JoinHostPort(strings.ToLower(host), port), ""
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// nodeLabel names the i-th [[node]] (i counted from 0) in messages: by its
// name when it has one, and by its position counted from 1.
func nodeLabel(i int, name string) string {
	if name != "" && len(name) <= 64 && checkName(name) == "" {
		return fmt.Sprintf("node %q (#%d)", name, i+1)
	}
	return fmt.Sprintf("node #%d", i+1)
}

// nodeKey names key k of the i-th [[node]] ("node \"beta\" (#2) addr").
func nodeKey(i int, name, k string) string { return nodeLabel(i, name) + " " + k }
