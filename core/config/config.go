package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goha/goha/core/quorum"
)

// Defaults applied by Parse to keys that are absent.
const (
	DefaultHeartbeat             = 300 * time.Millisecond
	DefaultFailureTimeout        = 900 * time.Millisecond
	DefaultLastManStandingWindow = 10 * time.Second // corosync's DEFAULT_LMS_WIN
	DefaultAutoTieBreakerNode    = "lowest"
	DefaultTickTimeout           = 2 * time.Second
	DefaultReplication           = ReplicationSync
	DefaultVotes                 = 1
	DefaultEligible              = true
	DefaultMode                  = ModeExternal
	// DefaultMaxLag is [ha] max_lag for async replication in auto mode.
	DefaultMaxLag = 1000
)

// HA modes of the [ha] table.
const (
	// ModeExternal: an external framework decides the HA roles through the
	// confd_ha_* API (ConfD's model).
	ModeExternal = "external"
	// ModeAuto: goha decides them itself: the CMM master of the quorate
	// view is the primary (see core/node/engine).
	ModeAuto = "auto"
)

// Values of crypto_cipher, the protection of the membership datagrams.
const (
	// CipherNone: authenticated (HMAC-SHA256), not encrypted.
	CipherNone = "none"
	// CipherAES256GCM: encrypted and authenticated with AES-256-GCM.
	CipherAES256GCM     = "aes256-gcm"
	DefaultCryptoCipher = CipherNone
)

// Replication modes of the [ha] table.
const (
	ReplicationSync  = "sync"
	ReplicationAsync = "async"
)

// Config is a parsed, defaulted cluster configuration file.
type Config struct {
	ClusterName string
	DomainID    uint32
	// AuthKey is the cluster key: the authkey string, or the bytes of
	// authkey_file once ReadKeyFiles (Load) has read it.
	AuthKey string
	// AuthKeyFile is authkey_file ("" if authkey is inline); absolute
	// once ReadKeyFiles has run.
	AuthKeyFile string
	keyRead     bool // AuthKey was read from AuthKeyFile
	// CryptoCipher is crypto_cipher: CipherNone or CipherAES256GCM.
	CryptoCipher string
	// IPCAccess is the top-level access settings of the control
	// endpoints; each Node carries its own copy, with its overrides.
	IPCAccess IPCAccess
	Timing    Timing
	Quorum    Quorum
	HA        HA
	Logging   Logging
	Metrics   Metrics
	Fencing   Fencing
	Nodes     []Node
}

// Fencing is the [fencing] table.
type Fencing struct {
	// Watchdog is the Linux watchdog device gohad feeds ("" = none).
	Watchdog string
}

// Metrics is the [metrics] table.
type Metrics struct {
	// Listen is the host:port of gohad's Prometheus endpoint (GET /metrics);
	// "" (the default) serves none.
	Listen string
}

// Logging is the [logging] table.
type Logging struct {
	// Level is "debug", "info", "warn" or "error"; "" when absent (gohad's
	// --log-level, default info, applies). gohad re-reads it on SIGHUP.
	Level string
}

// Timing is the [timing] table.
type Timing struct {
	Heartbeat      time.Duration
	FailureTimeout time.Duration
}

// Quorum is the [quorum] table.
type Quorum struct {
	// ExpectedVotes 0 means the sum of the nodes' votes.
	ExpectedVotes uint32
	TwoNode       bool
	WaitForAll    bool
	// WaitForAllSet is true when wait_for_all was written in the file
	// (two_node switches wait_for_all on unless it was set explicitly).
	WaitForAllSet         bool
	LastManStanding       bool
	LastManStandingWindow time.Duration
	AutoTieBreaker        bool
	// AutoTieBreakerNode is "lowest", "highest" or node ids separated by
	// spaces, as in corosync.
	AutoTieBreakerNode string
	AllowDownscale     bool
}

// HA is the [ha] table.
type HA struct {
	// Token is the shared HA token ("" when absent: the HA handshake is
	// then keyed by the authkey alone; a token is always mixed with it).
	Token string
	// TokenSet is true when token was written in the file.
	TokenSet    bool
	TickTimeout time.Duration
	// Replication is ReplicationSync or ReplicationAsync.
	Replication string
	// TLSCert, TLSKey and TLSCA (PEM files; all three or none) carry
	// replication over mutual TLS 1.3.
	TLSCert, TLSKey, TLSCA string
	// Mode is ModeExternal or ModeAuto.
	Mode string
	// MinSync (auto mode): a commit is acknowledged only while at least
	// this many secondaries are published in sync. -1 when the file does
	// not set it: then 1 if the cluster has another data node, else 0
	// (see EffectiveMinSync).
	MinSync int
	// MaxLag (auto mode, async replication): how many acknowledged commits
	// a secondary may lack and still be promoted.
	MaxLag uint64
}

// IPCAccess says who may use a control endpoint (see the package doc).
type IPCAccess struct {
	// Group owns a unix socket endpoint (name or number; "" = gohad's).
	Group string
	// AccessFile holds the secret a TCP endpoint's clients must prove
	// they know ("" = none).
	AccessFile string
	// AllowUIDs and AllowGIDs (ids or names) restrict a unix socket
	// endpoint to these users or primary groups, checked with
	// SO_PEERCRED; nil = no restriction beyond the socket's mode.
	AllowUIDs, AllowGIDs []string
}

// Node is one [[node]] entry.
type Node struct {
	ID       uint32
	Name     string
	Addr     string // membership endpoint, UDP host:port
	HAAddr   string // HA listener, TCP host:port
	IPC      string // control endpoint, "unix:/path" or "host:port"
	Votes    uint32
	Eligible bool
	// IPCAccess: the top-level settings with this node's overrides.
	IPCAccess IPCAccess
	// Witness: the node votes but keeps no config store and never takes
	// an HA role (auto mode's tie-breaker); it is never eligible.
	Witness bool
}

// Load reads, parses and validates the file at path.
func Load(path string) (*Config, error) {
	return load(path)
}

// Parse decodes a TOML document, applies the defaults and validates the
// result. Errors name the offending key and value.
func Parse(data []byte) (*Config, error) {
	return parse(data)
}

// Validate checks every rule of the configuration contract (see the package
// doc) and returns all violations joined into one error, or nil.
func (c *Config) Validate() error {
	return c.validate()
}

// NodeByName returns the node with that name.
func (c *Config) NodeByName(name string) (*Node, bool) {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i], true
		}
	}
	return nil, false
}

// Auto reports whether [ha] mode is "auto".
func (c *Config) Auto() bool { return c.HA.Mode == ModeAuto }

// DataNodes returns the nodes that keep a config store (not witnesses).
func (c *Config) DataNodes() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if !n.Witness {
			out = append(out, n)
		}
	}
	return out
}

// EffectiveMinSync is [ha] min_sync with its default applied: 1 when the
// cluster has more than one data node, else 0.
func (c *Config) EffectiveMinSync() int {
	if c.HA.MinSync >= 0 {
		return c.HA.MinSync
	}
	if len(c.DataNodes()) > 1 {
		return 1
	}
	return 0
}

// NodeByID returns the node with that id.
func (c *Config) NodeByID(id uint32) (*Node, bool) {
	for i := range c.Nodes {
		if c.Nodes[i].ID == id {
			return &c.Nodes[i], true
		}
	}
	return nil, false
}

// TotalVotes is the sum of the configured node votes (saturating at the
// uint32 maximum, which Validate rejects long before).
func (c *Config) TotalVotes() uint32 {
	var t uint64
	for _, n := range c.Nodes {
		t += uint64(n.Votes)
	}
	return uint32(min(t, math.MaxUint32))
}

// ATB returns the auto tie-breaker mode and node list in core/quorum's form:
// ATBNone when auto_tie_breaker is off.
func (q Quorum) ATB() (quorum.ATBMode, []uint32, error) {
	if !q.AutoTieBreaker {
		return quorum.ATBNone, nil, nil
	}
	return ParseATBNode(q.AutoTieBreakerNode)
}

// QuorumSettings returns the [quorum] table and the node votes in the form
// quorum.Setup takes. Call it on a validated Config: an unparsable
// auto_tie_breaker_node (which Validate rejects) is passed on as ATBNone.
func (c *Config) QuorumSettings() (quorum.Settings, []quorum.ConfigNode) {
	mode, list, _ := c.Quorum.ATB()
	s := quorum.Settings{
		ExpectedVotes:   c.Quorum.ExpectedVotes,
		TwoNode:         c.Quorum.TwoNode,
		WaitForAll:      c.Quorum.WaitForAll,
		WaitForAllSet:   c.Quorum.WaitForAllSet,
		LastManStanding: c.Quorum.LastManStanding,
		AutoTieBreaker:  mode,
		ATBNodes:        list,
		AllowDownscale:  c.Quorum.AllowDownscale,
	}
	nodes := make([]quorum.ConfigNode, len(c.Nodes))
	for i, n := range c.Nodes {
		nodes[i] = quorum.ConfigNode{ID: n.ID, Votes: n.Votes}
	}
	return s, nodes
}

// UnknownNode is the message for a node name the config does not have; it
// lists the names it does have.
func UnknownNode(c *Config, name string) string {
	names := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		names[i] = strconv.Quote(n.Name)
	}
	return fmt.Sprintf("no [[node]] named %q; the nodes are %s", name, strings.Join(names, ", "))
}
