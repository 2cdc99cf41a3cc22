package corosync

import (
	"fmt"
	"net"
	"slices"

	"github.com/goha/goha/core/config"
)

// QuorumProvider is the value of quorum.provider: gohad always runs
// votequorum's rules.
const QuorumProvider = "corosync_votequorum"

// Runtime is the live state that gohad publishes under runtime.votequorum.
// (filled by the node from its membership state after every change).
type Runtime struct {
	Self uint32
	// Members are the node ids votequorum knows as members now (state
	// MEMBER), the local node included.
	Members []uint32
	// TwoNode: two_node is in effect.
	TwoNode bool
	// WaitForAll: wait_for_all is configured; WaitForAllStatus: the node
	// still waits for all expected votes.
	WaitForAll, WaitForAllStatus bool
	// EVBarrier is allow_downscale's floor of expected votes.
	EVBarrier uint32
}

// Service is the cmap key space of one gohad: the keys derived from the
// cluster config at start, the runtime keys it keeps up to date, and what
// clients set. It also tracks the membership history that
// runtime.members.* and the quorum service's NODELIST report.
type Service struct {
	m       *Map
	self    uint32
	addrs   map[uint32]string // node id -> membership IP
	prev    []uint32          // members of the last installed view
	cfgKeys map[string]bool   // the keys ConfigKeys gave last
}

// NewService builds the key space of node self of cfg (a validated config).
func NewService(cfg *config.Config, self uint32) *Service {
	s := &Service{m: NewMap(), self: self, addrs: map[uint32]string{}}
	s.Reconfigure(cfg)
	s.system(KeyThisNodeID, Uint32(self))
	return s
}

// Reconfigure sets the keys of a (re)loaded config, as corosync re-reads
// corosync.conf into cmap: changed values are set, keys the config no
// longer gives are deleted; the notifications are returned.
func (s *Service) Reconfigure(cfg *config.Config) []Notification {
	for _, n := range cfg.Nodes {
		s.addrs[n.ID] = hostOf(n.Addr)
	}
	var notes []Notification
	keys := map[string]bool{}
	for _, kv := range ConfigKeys(cfg, s.self) {
		keys[kv.Key] = true
		notes = append(notes, s.system(kv.Key, kv.Value)...)
	}
	for k := range s.cfgKeys {
		if !keys[k] {
			if n, err := s.m.Delete(k); err == nil {
				notes = append(notes, n...)
			}
		}
	}
	s.cfgKeys = keys
	return notes
}

// Map returns the key space.
func (s *Service) Map() *Map { return s.m }

// KV is one key and its value.
type KV struct {
	Key   string
	Value Value
}

// hostOf returns the host part of a host:port membership address.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// ConfigKeys are the keys corosync's config parser would create for the
// cluster config: the nodelist, quorum and totem settings, with the value
// types corosync gives them (see the package doc for the mapping).
func ConfigKeys(cfg *config.Config, self uint32) []KV {
	kv := []KV{
		{"totem.cluster_name", String(cfg.ClusterName)},
		{"totem.version", Uint32(2)},
		{"runtime.config.totem.token", Uint32(uint32(cfg.Timing.FailureTimeout.Milliseconds()))},
		{"quorum.provider", String(QuorumProvider)},
	}
	q := cfg.Quorum
	if q.ExpectedVotes > 0 {
		kv = append(kv, KV{KeyExpectedVotes, Uint32(q.ExpectedVotes)})
	}
	flag := func(key string, on bool) {
		if on {
			kv = append(kv, KV{key, Uint8(1)})
		}
	}
	flag("quorum.two_node", q.TwoNode)
	flag("quorum.wait_for_all", q.WaitForAll)
	flag("quorum.last_man_standing", q.LastManStanding)
	if q.LastManStanding {
		kv = append(kv, KV{"quorum.last_man_standing_window", Uint32(uint32(q.LastManStandingWindow.Milliseconds()))})
	}
	flag("quorum.auto_tie_breaker", q.AutoTieBreaker)
	if q.AutoTieBreaker {
		kv = append(kv, KV{"quorum.auto_tie_breaker_node", String(q.AutoTieBreakerNode)})
	}
	flag("quorum.allow_downscale", q.AllowDownscale)
	for i, n := range cfg.Nodes {
		p := fmt.Sprintf("nodelist.node.%d.", i)
		kv = append(kv,
			KV{p + "name", String(n.Name)},
			KV{p + "nodeid", Uint32(n.ID)},
			KV{p + "ring0_addr", String(hostOf(n.Addr))},
		)
		if n.Votes != 1 { // corosync has the key only when it is set
			kv = append(kv, KV{p + "quorum_votes", Uint32(n.Votes)})
		}
		if n.ID == self {
			kv = append(kv, KV{"nodelist.local_node_pos", Uint32(uint32(i))})
		}
	}
	return kv
}

// system sets a key on gohad's own behalf (no access check; the value is
// well-formed by construction).
func (s *Service) system(key string, v Value) []Notification {
	notes, err := s.m.Set(key, v)
	if err != nil {
		panic(fmt.Sprintf("corosync: gohad's own key %s: %v", key, err))
	}
	return notes
}

// Update republishes runtime.votequorum.* for rt and returns the
// notifications of the keys that changed (corosync's values and types:
// lowest and highest member ids, two_node, ev_barrier, and
// wait_for_all_status while wait_for_all is configured).
func (s *Service) Update(rt Runtime) []Notification {
	lo, hi := rt.Self, rt.Self
	for _, id := range rt.Members {
		lo, hi = min(lo, id), max(hi, id)
	}
	var notes []Notification
	set := func(key string, v Value) { notes = append(notes, s.system("runtime.votequorum."+key, v)...) }
	set("lowest_node_id", Uint32(lo))
	set("highest_node_id", Uint32(hi))
	set("two_node", Uint8(b2u8(rt.TwoNode)))
	set("ev_barrier", Uint32(rt.EVBarrier))
	if rt.WaitForAll {
		set("wait_for_all_status", Uint8(b2u8(rt.WaitForAllStatus)))
	}
	return notes
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// ViewInstalled records a newly installed membership (ascending ids): it
// returns the nodes that joined and left since the previous one (the quorum
// service's NODELIST lists) and updates runtime.members.<id>.* as corosync
// does: a node seen for the first time gets ip, join_count 1 and status
// "joined"; a returning node's join_count goes up; a departed node's
// status becomes "left".
func (s *Service) ViewInstalled(members []uint32) (joined, left []uint32, notes []Notification) {
	for _, id := range members {
		if !slices.Contains(s.prev, id) {
			joined = append(joined, id)
		}
	}
	for _, id := range s.prev {
		if !slices.Contains(members, id) {
			left = append(left, id)
		}
	}
	s.prev = slices.Clone(members)
	for _, id := range left {
		notes = append(notes, s.system(fmt.Sprintf("runtime.members.%d.status", id), String("left"))...)
	}
	for _, id := range joined {
		p := fmt.Sprintf("runtime.members.%d.", id)
		if _, err := s.m.Get(p + "ip"); err == nil {
			n, _ := s.m.Adjust(p+"join_count", 1)
			notes = append(notes, n...)
		} else {
			notes = append(notes, s.system(p+"ip", String(fmt.Sprintf("r(0) ip(%s) ", s.addrs[id])))...)
			notes = append(notes, s.system(p+"join_count", Uint32(1))...)
			notes = append(notes, s.system(p+"config_version", Uint64(0))...)
		}
		notes = append(notes, s.system(p+"status", String("joined"))...)
	}
	return joined, left, notes
}

// Members returns the members of the last installed view.
func (s *Service) Members() []uint32 { return slices.Clone(s.prev) }

// Addr returns the membership IP of a configured node, or false.
func (s *Service) Addr(id uint32) (string, bool) {
	a, ok := s.addrs[id]
	return a, ok
}
