package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/goha/goha/core/quorum"
)

// Errors returned by Load, Parse and Validate.
var (
	// ErrSyntax wraps a file that is not valid TOML or has a value of the
	// wrong type for its key.
	ErrSyntax = errors.New("config: syntax error")
	// ErrInvalid is wrapped by every *ValidationError.
	ErrInvalid = errors.New("config: invalid configuration")
)

// ValidationError lists every problem found, each naming the key and value
// ("node[2].votes: 0: must be at least 1"). It unwraps to ErrInvalid.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// problems accumulates validation messages.
type problems []string

func (p *problems) add(key string, value any, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if value == nil {
		*p = append(*p, key+": "+msg)
		return
	}
	*p = append(*p, fmt.Sprintf("%s: %s: %s", key, show(value), msg))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// show formats a value for a message: strings quoted, durations as written.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case time.Duration:
		return x.String()
	}
	return fmt.Sprint(v)
}

// The raw* types mirror the file. Pointers tell "absent" (take the default)
// from "written" (validate it); integers are int64 so that negative and
// oversized values get a message naming the key rather than a decode error.
type rawConfig struct {
	ClusterName *string `toml:"cluster_name"`
	DomainID    *int64  `toml:"domain_id"`
	AuthKey     *string `toml:"authkey"`
	AuthKeyFile *string `toml:"authkey_file"`
	// CryptoCipher is crypto_cipher (membership datagrams).
	CryptoCipher *string `toml:"crypto_cipher"`
	rawIPC
	Timing  rawTiming  `toml:"timing"`
	Quorum  rawQuorum  `toml:"quorum"`
	HA      rawHA      `toml:"ha"`
	Logging rawLog     `toml:"logging"`
	Metrics rawMetric  `toml:"metrics"`
	Fencing rawFencing `toml:"fencing"`
	Nodes   []rawNode  `toml:"node"`
}

type rawFencing struct {
	Watchdog *string `toml:"watchdog"`
}

type rawMetric struct {
	Listen *string `toml:"listen"`
}

type rawLog struct {
	Level *string `toml:"level"`
}

type rawTiming struct {
	Heartbeat      *string `toml:"heartbeat"`
	FailureTimeout *string `toml:"failure_timeout"`
}

type rawQuorum struct {
	ExpectedVotes         *int64  `toml:"expected_votes"`
	TwoNode               *bool   `toml:"two_node"`
	WaitForAll            *bool   `toml:"wait_for_all"`
	LastManStanding       *bool   `toml:"last_man_standing"`
	LastManStandingWindow *string `toml:"last_man_standing_window"`
	AutoTieBreaker        *bool   `toml:"auto_tie_breaker"`
	AutoTieBreakerNode    *string `toml:"auto_tie_breaker_node"`
	AllowDownscale        *bool   `toml:"allow_downscale"`
}

type rawHA struct {
	Token       *string `toml:"token"`
	TickTimeout *string `toml:"tick_timeout"`
	Replication *string `toml:"replication"`
	TLSCert     *string `toml:"tls_cert"`
	TLSKey      *string `toml:"tls_key"`
	TLSCA       *string `toml:"tls_ca"`
	Mode        *string `toml:"mode"`
	MinSync     *int64  `toml:"min_sync"`
	MaxLag      *int64  `toml:"max_lag"`
}

// rawIPC is the control endpoint's access settings, at the top level and
// (overriding them) in a [[node]].
type rawIPC struct {
	IPCGroup      any     `toml:"ipc_group"`
	IPCAccessFile *string `toml:"ipc_access_file"`
	IPCAllowUIDs  []any   `toml:"ipc_allow_uids"`
	IPCAllowGIDs  []any   `toml:"ipc_allow_gids"`
}

type rawNode struct {
	ID       *int64  `toml:"id"`
	Name     *string `toml:"name"`
	Addr     *string `toml:"addr"`
	HAAddr   *string `toml:"ha_addr"`
	IPC      *string `toml:"ipc"`
	Votes    *int64  `toml:"votes"`
	Eligible *bool   `toml:"eligible"`
	rawIPC
	Witness *bool `toml:"witness"`
}

func load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.AuthKeyFile == "" || c.HA.Token != "" { // the file itself holds a secret
		secret := "the authkey written in it"
		if c.AuthKeyFile != "" {
			secret = "the ha.token written in it"
		}
		if err := CheckSecretFile(path, "config", secret, false); err != nil {
			return nil, err
		}
	}
	if err := c.ReadKeyFiles(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return c, nil
}

func parse(data []byte) (*Config, error) {
	var raw rawConfig
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrSyntax, explainDecode(err))
	}
	var p problems
	seen := map[string]bool{}
	for _, k := range md.Undecoded() {
		for _, name := range keyNames(data, k) {
			if !seen[name] {
				seen[name] = true
				p.add(name, nil, "unknown key")
			}
		}
	}
	c := convert(&raw, &p)
	if len(p) > 0 {
		return nil, p.err()
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// typeMismatch matches the decoder's message for a value of the wrong type.
var typeMismatch = regexp.MustCompile(`line (\d+) \(last key "([^"]+)"\): incompatible types: TOML value has type (\w+); destination has type (\w+)`)

// explainDecode turns a decoder error into one line that names the key and
// says how to write its value.
func explainDecode(err error) string {
	m := typeMismatch.FindStringSubmatch(err.Error())
	if m == nil {
		return oneLine(err)
	}
	line, key, got, want := m[1], m[2], m[3], m[4]
	if strings.HasPrefix(key, "node.") {
		key = "[[node]] " + strings.TrimPrefix(key, "node.")
	}
	var how string
	switch {
	case want == "string" && durationKeys[m[2]]:
		how = `write a duration in quotes, e.g. "300ms" or "2s"`
	case want == "string":
		how = "put the value in double quotes"
	case strings.HasPrefix(want, "int"):
		how = "write a whole number without quotes"
	case want == "bool":
		how = "write true or false without quotes"
	default:
		how = "want a " + want
	}
	return fmt.Sprintf("line %s: %s: a TOML %s where a %s is expected: %s", line, key, tomlKind(got), tomlKind(want), how)
}

func tomlKind(t string) string {
	switch {
	case strings.HasPrefix(t, "int"):
		return "number"
	case t == "bool":
		return "boolean"
	}
	return t
}

// durationKeys are the keys whose value is a duration string.
var durationKeys = map[string]bool{
	"timing.heartbeat": true, "timing.failure_timeout": true, "quorum.last_man_standing_window": true, "ha.tick_timeout": true,
}

// oneLine keeps the first line of a decoder error: BurntSushi's ParseError
// is one line in Error() and multi-line only in ErrorWithPosition.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// keyNames renders an undecoded key the way messages name keys. MetaData
// drops the index of a table array element ("node.port"), so for keys
// inside [[node]] the document is decoded again generically to find which
// entries carry the key ("node[1].port").
func keyNames(data []byte, k toml.Key) []string {
	if len(k) < 2 || k[0] != "node" {
		return []string{k.String()}
	}
	var generic struct {
		Node []map[string]any `toml:"node"`
	}
	if _, err := toml.Decode(string(data), &generic); err != nil {
		return []string{k.String()}
	}
	var names []string
	for i, n := range generic.Node {
		if _, ok := n[k[1]]; ok {
			name, _ := n["name"].(string)
			names = append(names, nodeKey(i, name, toml.Key(k[1:]).String()))
		}
	}
	if len(names) == 0 {
		return []string{k.String()}
	}
	return names
}

// convert applies the defaults and the type conversions; problems found on
// the way (negative numbers, unparsable durations) are added to p.
func convert(raw *rawConfig, p *problems) *Config {
	c := &Config{
		Timing: Timing{Heartbeat: DefaultHeartbeat, FailureTimeout: DefaultFailureTimeout},
		Quorum: Quorum{
			LastManStandingWindow: DefaultLastManStandingWindow,
			AutoTieBreakerNode:    DefaultAutoTieBreakerNode,
		},
		HA: HA{TickTimeout: DefaultTickTimeout, Replication: DefaultReplication, Mode: DefaultMode,
			MinSync: -1, MaxLag: DefaultMaxLag},
	}
	str(&c.ClusterName, raw.ClusterName)
	c.DomainID = u32(p, "domain_id", raw.DomainID, 0)
	str(&c.AuthKey, raw.AuthKey)
	str(&c.AuthKeyFile, raw.AuthKeyFile)
	c.CryptoCipher = DefaultCryptoCipher
	str(&c.CryptoCipher, raw.CryptoCipher)
	if c.CryptoCipher != CipherNone && c.CryptoCipher != CipherAES256GCM {
		p.add("crypto_cipher", c.CryptoCipher, `want "none" or "aes256-gcm"`)
	}
	c.IPCAccess = convertIPC(p, "", raw.rawIPC, IPCAccess{})

	dur(p, "timing.heartbeat", &c.Timing.Heartbeat, raw.Timing.Heartbeat)
	dur(p, "timing.failure_timeout", &c.Timing.FailureTimeout, raw.Timing.FailureTimeout)

	q := raw.Quorum
	c.Quorum.ExpectedVotes = u32(p, "quorum.expected_votes", q.ExpectedVotes, 0)
	boolean(&c.Quorum.TwoNode, q.TwoNode)
	boolean(&c.Quorum.WaitForAll, q.WaitForAll)
	c.Quorum.WaitForAllSet = q.WaitForAll != nil
	boolean(&c.Quorum.LastManStanding, q.LastManStanding)
	dur(p, "quorum.last_man_standing_window", &c.Quorum.LastManStandingWindow, q.LastManStandingWindow)
	boolean(&c.Quorum.AutoTieBreaker, q.AutoTieBreaker)
	str(&c.Quorum.AutoTieBreakerNode, q.AutoTieBreakerNode)
	if q.AutoTieBreakerNode != nil && !c.Quorum.AutoTieBreaker {
		// corosync only warns that this is meaningless; an operator who
		// wrote it almost certainly forgot auto_tie_breaker = true.
		p.add("quorum.auto_tie_breaker_node", *q.AutoTieBreakerNode, "set but quorum.auto_tie_breaker is false")
	}
	boolean(&c.Quorum.AllowDownscale, q.AllowDownscale)

	str(&c.HA.Token, raw.HA.Token)
	c.HA.TokenSet = raw.HA.Token != nil
	dur(p, "ha.tick_timeout", &c.HA.TickTimeout, raw.HA.TickTimeout)
	str(&c.HA.Replication, raw.HA.Replication)
	str(&c.Logging.Level, raw.Logging.Level)
	str(&c.Metrics.Listen, raw.Metrics.Listen)
	str(&c.HA.TLSCert, raw.HA.TLSCert)
	str(&c.HA.TLSKey, raw.HA.TLSKey)
	str(&c.HA.TLSCA, raw.HA.TLSCA)
	str(&c.HA.Mode, raw.HA.Mode)
	if raw.HA.MinSync != nil {
		c.HA.MinSync = int(u32(p, "ha.min_sync", raw.HA.MinSync, 0))
	}
	if raw.HA.MaxLag != nil {
		c.HA.MaxLag = uint64(u32(p, "ha.max_lag", raw.HA.MaxLag, DefaultMaxLag))
	}
	str(&c.Fencing.Watchdog, raw.Fencing.Watchdog)

	for i, rn := range raw.Nodes {
		name := ""
		if rn.Name != nil {
			name = *rn.Name
		}
		key := func(k string) string { return nodeKey(i, name, k) }
		n := Node{Votes: DefaultVotes, Eligible: DefaultEligible}
		if rn.ID == nil {
			p.add(key("id"), nil, "missing")
		}
		n.ID = u32(p, key("id"), rn.ID, 0)
		for _, f := range []struct {
			name string
			dst  *string
			src  *string
		}{{"name", &n.Name, rn.Name}, {"addr", &n.Addr, rn.Addr}, {"ha_addr", &n.HAAddr, rn.HAAddr}, {"ipc", &n.IPC, rn.IPC}} {
			if f.src == nil && !(f.name == "ha_addr" && rn.Witness != nil && *rn.Witness) {
				p.add(key(f.name), nil, "missing")
			}
			str(f.dst, f.src)
		}
		n.Votes = u32(p, key("votes"), rn.Votes, DefaultVotes)
		boolean(&n.Eligible, rn.Eligible)
		n.IPCAccess = convertIPC(p, fmt.Sprintf("node[%d].", i), rn.rawIPC, c.IPCAccess)
		if rn.IPC != nil && !strings.HasPrefix(*rn.IPC, "unix:") &&
			(rn.IPCGroup != nil || rn.IPCAllowUIDs != nil || rn.IPCAllowGIDs != nil) {
			// TCP has no peer credentials or socket file.
			p.add(key("ipc"), *rn.IPC, "ipc_group, ipc_allow_uids and ipc_allow_gids apply to a unix socket only (use ipc_access_file for TCP)")
		}
		boolean(&n.Witness, rn.Witness)
		if n.Witness {
			if rn.Eligible != nil && *rn.Eligible {
				p.add(key("eligible"), true, "a witness never holds a role: leave eligible out or set it false")
			}
			n.Eligible = false
		}
		c.Nodes = append(c.Nodes, n)
	}
	return c
}

// convertIPC applies the access settings written in r over def (the
// top-level ones, for a node). Allow-list entries are ids or names.
func convertIPC(p *problems, prefix string, r rawIPC, def IPCAccess) IPCAccess {
	a := def
	switch g := r.IPCGroup.(type) {
	case nil:
	case string:
		a.Group = g
	case int64:
		if g < 0 || g > math.MaxUint32-1 {
			p.add(prefix+"ipc_group", g, "not a group id")
		} else {
			a.Group = strconv.FormatInt(g, 10)
		}
	default:
		p.add(prefix+"ipc_group", fmt.Sprint(g), "a group name (string) or id (number)")
	}
	str(&a.AccessFile, r.IPCAccessFile)
	if r.IPCAllowUIDs != nil {
		a.AllowUIDs = idList(p, prefix+"ipc_allow_uids", r.IPCAllowUIDs)
	}
	if r.IPCAllowGIDs != nil {
		a.AllowGIDs = idList(p, prefix+"ipc_allow_gids", r.IPCAllowGIDs)
	}
	return a
}

// idList reads a list of user or group ids (numbers) or names (strings).
func idList(p *problems, key string, vs []any) []string {
	out := []string{}
	for _, v := range vs {
		switch x := v.(type) {
		case int64:
			if x < 0 || x > math.MaxUint32-1 {
				p.add(key, x, "not a user or group id")
				continue
			}
			out = append(out, strconv.FormatInt(x, 10))
		case string:
			if x == "" || strings.ContainsAny(x, " \t\n:/\x00") {
				p.add(key, x, "not a user or group name")
				continue
			}
			out = append(out, x)
		default:
			p.add(key, fmt.Sprint(v), "entries must be ids (numbers) or names (strings)")
		}
	}
	return out
}

func str(dst, src *string) {
	if src != nil {
		*dst = *src
	}
}

func boolean(dst, src *bool) {
	if src != nil {
		*dst = *src
	}
}

func u32(p *problems, key string, src *int64, def uint32) uint32 {
	if src == nil {
		return def
	}
	if *src < 0 || *src > math.MaxUint32 {
		p.add(key, *src, "must be between 0 and %d", uint32(math.MaxUint32))
		return def
	}
	return uint32(*src)
}

func dur(p *problems, key string, dst *time.Duration, src *string) {
	if src == nil {
		return
	}
	d, err := time.ParseDuration(*src)
	if err != nil {
		p.add(key, *src, "not a duration (write e.g. \"300ms\", \"2s\")")
		return
	}
	*dst = d
}

// ParseATBNode parses an auto_tie_breaker_node value: "lowest", "highest",
// or one or more node ids separated by spaces (in priority order).
func ParseATBNode(s string) (quorum.ATBMode, []uint32, error) {
	switch strings.TrimSpace(s) {
	case "lowest":
		return quorum.ATBLowest, nil, nil
	case "highest":
		return quorum.ATBHighest, nil, nil
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return quorum.ATBNone, nil, errors.New("must be lowest, highest or node ids separated by spaces")
	}
	ids := make([]uint32, 0, len(fields))
	for _, f := range fields {
		v, err := strconv.ParseUint(f, 10, 32)
		if err != nil || v == 0 {
			return quorum.ATBNone, nil, fmt.Errorf("%q is not a node id: must be lowest, highest or node ids separated by spaces", f)
		}
		for _, seen := range ids {
			if seen == uint32(v) {
				return quorum.ATBNone, nil, fmt.Errorf("node id %d listed twice", v)
			}
		}
		ids = append(ids, uint32(v))
	}
	return quorum.ATBList, ids, nil
}
