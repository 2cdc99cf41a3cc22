package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/quorum"
)

// base is a valid three-node file that every case mutates.
const base = `
cluster_name = "c1"
domain_id = 7
authkey = "0123456789abcdef0123456789abcdef"

[timing]
heartbeat = "100ms"
failure_timeout = "500ms"

[quorum]
expected_votes = 3
wait_for_all = true

[ha]
token = "tok"
tick_timeout = "3s"
replication = "async"

[[node]]
id = 1
name = "a"
addr = "127.0.0.1:7001"
ha_addr = "127.0.0.1:7101"
ipc = "unix:/tmp/a.sock"

[[node]]
id = 2
name = "b"
addr = "127.0.0.1:7002"
ha_addr = "127.0.0.1:7102"
ipc = "unix:/tmp/b.sock"
votes = 1
eligible = false

[[node]]
id = 3
name = "c"
addr = "127.0.0.1:7003"
ha_addr = "127.0.0.1:7103"
ipc = "127.0.0.1:7203"
`

// edit applies pairs of (old, new) replacements to base, failing the test
// when an old string is not found (so a typo cannot make a case vacuous).
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := base
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit: %q not in base", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestParseGoodFile(t *testing.T) {
	c, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		ClusterName: "c1", DomainID: 7, AuthKey: "0123456789abcdef0123456789abcdef",
		Timing: Timing{Heartbeat: 100 * time.Millisecond, FailureTimeout: 500 * time.Millisecond},
		Quorum: Quorum{ExpectedVotes: 3, WaitForAll: true, WaitForAllSet: true,
			LastManStandingWindow: DefaultLastManStandingWindow, AutoTieBreakerNode: "lowest"},
		HA: HA{Token: "tok", TokenSet: true, TickTimeout: 3 * time.Second, Replication: "async", Mode: ModeExternal, MinSync: -1, MaxLag: DefaultMaxLag},
		Nodes: []Node{
			{ID: 1, Name: "a", Addr: "127.0.0.1:7001", HAAddr: "127.0.0.1:7101", IPC: "unix:/tmp/a.sock", Votes: 1, Eligible: true},
			{ID: 2, Name: "b", Addr: "127.0.0.1:7002", HAAddr: "127.0.0.1:7102", IPC: "unix:/tmp/b.sock", Votes: 1, Eligible: false},
			{ID: 3, Name: "c", Addr: "127.0.0.1:7003", HAAddr: "127.0.0.1:7103", IPC: "127.0.0.1:7203", Votes: 1, Eligible: true},
		},
	}
	if !equalConfig(*c, want) {
		t.Fatalf("got  %+v\nwant %+v", *c, want)
	}
}

func equalConfig(a, b Config) bool {
	return a.ClusterName == b.ClusterName && a.DomainID == b.DomainID && a.AuthKey == b.AuthKey &&
		a.Timing == b.Timing && a.Quorum == b.Quorum && a.HA == b.HA && reflect.DeepEqual(a.Nodes, b.Nodes)
}

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(`
cluster_name = "x"
authkey = "0123456789abcdef"
[[node]]
id = 5
name = "only"
addr = "localhost:9000"
ha_addr = "localhost:9001"
ipc = "unix:/run/x.sock"
`))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"domain_id", c.DomainID, uint32(0)},
		{"timing.heartbeat", c.Timing.Heartbeat, 300 * time.Millisecond},
		{"timing.failure_timeout", c.Timing.FailureTimeout, 900 * time.Millisecond},
		{"quorum.expected_votes", c.Quorum.ExpectedVotes, uint32(0)},
		{"quorum.two_node", c.Quorum.TwoNode, false},
		{"quorum.wait_for_all", c.Quorum.WaitForAll, false},
		{"quorum.wait_for_all set", c.Quorum.WaitForAllSet, false},
		{"quorum.last_man_standing", c.Quorum.LastManStanding, false},
		{"quorum.last_man_standing_window", c.Quorum.LastManStandingWindow, 10 * time.Second},
		{"quorum.auto_tie_breaker", c.Quorum.AutoTieBreaker, false},
		{"quorum.auto_tie_breaker_node", c.Quorum.AutoTieBreakerNode, "lowest"},
		{"quorum.allow_downscale", c.Quorum.AllowDownscale, false},
		{"ha.token: none (the authkey keys the handshake)", c.HA.Token, ""},
		{"ha.tick_timeout", c.HA.TickTimeout, 2 * time.Second},
		{"ha.replication", c.HA.Replication, "sync"},
		{"node.votes", c.Nodes[0].Votes, uint32(1)},
		{"node.eligible", c.Nodes[0].Eligible, true},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestTwoNodeAcceptedWithTwoNodes(t *testing.T) {
	doc := `
cluster_name = "pair"
authkey = "0123456789abcdef"
[quorum]
two_node = true
[[node]]
id = 1
name = "p"
addr = "127.0.0.1:1"
ha_addr = "127.0.0.1:2"
ipc = "unix:/tmp/p"
[[node]]
id = 2
name = "q"
addr = "127.0.0.1:3"
ha_addr = "127.0.0.1:4"
ipc = "unix:/tmp/q"
`
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Quorum.TwoNode || c.Quorum.WaitForAllSet {
		t.Fatalf("two_node=%v wait_for_all_set=%v", c.Quorum.TwoNode, c.Quorum.WaitForAllSet)
	}
	// quorum.Setup then switches wait_for_all on, as corosync does.
	s, nodes := c.QuorumSettings()
	in, _, err := quorum.Setup(s, nodes, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !in.Options.WaitForAll || !in.Options.TwoNode {
		t.Fatalf("options %+v", in.Options)
	}
}

func TestValidationRules(t *testing.T) {
	long := strings.Repeat("x", 256)
	cases := []struct {
		rule string
		doc  string
		want string // substring of the error ("" = must be accepted)
	}{
		// Syntax and types.
		{"syntax error", "cluster_name = ", "syntax error"},
		{"wrong type names the key", edit(t, `id = 2`, `id = "two"`), "id"},
		{"unknown top-level key", "colour = 1\n" + base, "colour: unknown key"},
		{"unknown table", base + "\n[extra]\nx = 1\n", "extra.x: unknown key"},
		{"unknown quorum key", edit(t, "[quorum]\n", "[quorum]\nexpected = 3\n"), "quorum.expected: unknown key"},
		{"unknown timing key (corosync spelling)", edit(t, "[timing]\n", "[timing]\ntoken = 3\n"), "timing.token: unknown key"},
		{"unknown node key", edit(t, `name = "b"`, "name = \"b\"\nport = 3"), "node \"b\" (#2) port: unknown key"},

		// Top level.
		{"cluster_name missing", edit(t, `cluster_name = "c1"`, ``), "cluster_name: missing or empty"},
		{"cluster_name empty", edit(t, `cluster_name = "c1"`, `cluster_name = ""`), "cluster_name: missing or empty"},
		{"cluster_name bad character", edit(t, `cluster_name = "c1"`, `cluster_name = "my cluster"`), `cluster_name: "my cluster": character ' ' not allowed`},
		{"cluster_name too long", edit(t, `cluster_name = "c1"`, `cluster_name = "`+long+`"`), "longer than 255 bytes"},
		{"domain_id negative", edit(t, `domain_id = 7`, `domain_id = -1`), "domain_id: -1: must be between 0 and 4294967295"},
		{"domain_id too large", edit(t, `domain_id = 7`, `domain_id = 4294967296`), "domain_id: 4294967296"},
		{"crypto_cipher unknown", edit(t, `domain_id = 7`, "domain_id = 7\ncrypto_cipher = \"des\""), `crypto_cipher: "des": want "none" or "aes256-gcm"`},
		{"authkey missing", edit(t, `authkey = "0123456789abcdef0123456789abcdef"`, ``), "authkey: missing or empty"},
		{"authkey blank", edit(t, `authkey = "0123456789abcdef0123456789abcdef"`, `authkey = "  "`), "authkey: missing or empty"},

		// [timing]
		{"heartbeat not a duration", edit(t, `heartbeat = "100ms"`, `heartbeat = "100"`), `timing.heartbeat: "100": not a duration`},
		{"heartbeat as integer", edit(t, `heartbeat = "100ms"`, `heartbeat = 100`), "heartbeat"},
		{"heartbeat zero", edit(t, `heartbeat = "100ms"`, `heartbeat = "0s"`), "timing.heartbeat: 0s: must be at least 1ms"},
		{"failure_timeout equal to heartbeat", edit(t, `failure_timeout = "500ms"`, `failure_timeout = "100ms"`), "timing.failure_timeout: 100ms: must be larger than timing.heartbeat (100ms)"},
		{"failure_timeout below heartbeat", edit(t, `failure_timeout = "500ms"`, `failure_timeout = "50ms"`), "timing.failure_timeout: 50ms"},
		{"failure_timeout below default heartbeat", edit(t, "heartbeat = \"100ms\"\n", "", `failure_timeout = "500ms"`, `failure_timeout = "200ms"`), "must be larger than timing.heartbeat (300ms)"},

		// [quorum]
		{"expected_votes negative", edit(t, `expected_votes = 3`, `expected_votes = -3`), "quorum.expected_votes: -3"},
		{"expected_votes unreachable", edit(t, `expected_votes = 3`, `expected_votes = 6`), "quorum.expected_votes: 6: the nodes have only 3 votes"},
		{"expected_votes above total but reachable", edit(t, `expected_votes = 3`, `expected_votes = 5`), ""},
		{"two_node with three nodes", edit(t, "wait_for_all = true\n", "two_node = true\n"), "quorum.two_node: true: needs exactly 2 nodes, the file has 3"},
		{"last_man_standing_window zero", edit(t, "wait_for_all = true\n", "last_man_standing_window = \"0s\"\n"), "quorum.last_man_standing_window: 0s: must be positive"},
		{"last_man_standing_window bad", edit(t, "wait_for_all = true\n", "last_man_standing_window = \"10 s\"\n"), "quorum.last_man_standing_window: \"10 s\": not a duration"},
		{"last_man_standing needs one vote per node", edit(t, "wait_for_all = true\n", "last_man_standing = true\n", "votes = 1\n", "votes = 2\n", "expected_votes = 3", "expected_votes = 0"), "node \"b\" (#2) votes: 2: last_man_standing works only when every node has 1 vote"},
		{"auto_tie_breaker_node without auto_tie_breaker", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker_node = \"highest\"\n"), "quorum.auto_tie_breaker_node: \"highest\": set but quorum.auto_tie_breaker is false"},
		{"auto_tie_breaker_node bad word", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\nauto_tie_breaker_node = \"smallest\"\n"), `quorum.auto_tie_breaker_node: "smallest": "smallest" is not a node id`},
		{"auto_tie_breaker_node empty", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\nauto_tie_breaker_node = \" \"\n"), `quorum.auto_tie_breaker_node: " ": must be lowest, highest`},
		{"auto_tie_breaker_node id 0", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\nauto_tie_breaker_node = \"0 1\"\n"), `"0" is not a node id`},
		{"auto_tie_breaker_node unknown id", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\nauto_tie_breaker_node = \"3 9\"\n"), "node id 9 is not a configured node"},
		{"auto_tie_breaker_node duplicate id", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\nauto_tie_breaker_node = \"3 1 3\"\n"), "node id 3 listed twice"},
		{"auto_tie_breaker_node list accepted", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\nauto_tie_breaker_node = \"3 1\"\n"), ""},
		{"auto_tie_breaker odd votes with weighted votes", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\n", "votes = 1\n", "votes = 2\n", "expected_votes = 3", "expected_votes = 0", "id = 3\n", "id = 3\nvotes = 2\n"), "node \"b\" (#2) votes: 2: auto_tie_breaker with an odd number of votes (5) needs 1 vote per node"},
		{"auto_tie_breaker even votes may be weighted", edit(t, "wait_for_all = true\n", "wait_for_all = true\nauto_tie_breaker = true\n", "votes = 1\n", "votes = 2\n", "expected_votes = 3", "expected_votes = 0"), ""},
		{"auto_tie_breaker odd votes without wait_for_all", edit(t, "wait_for_all = true\n", "auto_tie_breaker = true\n"), "quorum.auto_tie_breaker: true: an odd number of votes (3) needs quorum.wait_for_all = true"},

		// [ha]
		{"replication bad", edit(t, `replication = "async"`, `replication = "semi"`), `ha.replication: "semi": must be "sync" or "async"`},
		{"replication wrong case", edit(t, `replication = "async"`, `replication = "SYNC"`), `ha.replication: "SYNC"`},
		{"tick_timeout negative", edit(t, `tick_timeout = "3s"`, `tick_timeout = "-1s"`), "ha.tick_timeout: -1s: must be positive"},
		{"token explicitly empty", edit(t, `token = "tok"`, `token = ""`), "ha.token: empty"},
		{"mode bad", edit(t, `replication = "async"`, "replication = \"async\"\nmode = \"automatic\""), `ha.mode: "automatic": must be "external" or "auto"`},
		{"mode auto accepted", edit(t, `replication = "async"`, "replication = \"async\"\nmode = \"auto\"", "wait_for_all = true\n", ""), ""},
		{"auto with two_node", strings.NewReplacer("replication = \"async\"", "mode = \"auto\"", "wait_for_all = true", "two_node = true", "expected_votes = 3", "").Replace(base[:strings.Index(base, "[[node]]\nid = 3")]), "quorum.two_node: true: auto mode needs every two quorate partitions to share a node"},
		{"auto with last_man_standing", edit(t, `replication = "async"`, "mode = \"auto\"", "wait_for_all = true\n", "last_man_standing = true\n"), "quorum.last_man_standing: true: auto mode needs"},
		{"auto with expected_votes below total", edit(t, `replication = "async"`, "mode = \"auto\"", "expected_votes = 3", "expected_votes = 2"), "quorum.expected_votes: 2: below the 3 configured votes"},
		{"min_sync too large", edit(t, `replication = "async"`, "min_sync = 3"), "ha.min_sync: 3: only 2 other data node(s) could be in sync"},
		{"min_sync negative", edit(t, `replication = "async"`, "min_sync = -1"), "ha.min_sync: -1"},
		{"max_lag negative", edit(t, `replication = "async"`, "max_lag = -1"), "ha.max_lag: -1"},
		{"witness eligible", edit(t, "eligible = false\n", "eligible = true\nwitness = true\n"), `node "b" (#2) eligible: true: a witness never holds a role`},
		{"witness without ha_addr", edit(t, "eligible = false\n", "witness = true\n", "ha_addr = \"127.0.0.1:7102\"\n", ""), ""},
		{"auto with only a witness eligible", edit(t, `replication = "async"`, "mode = \"auto\"", "eligible = false\n", "witness = true\n", "name = \"a\"\n", "name = \"a\"\neligible = false\n", "name = \"c\"\n", "name = \"c\"\neligible = false\n"), "auto mode needs an eligible node that is not a witness"},
		{"watchdog relative", edit(t, `replication = "async"`, "replication = \"async\"\n[fencing]\nwatchdog = \"watchdog\""), `fencing.watchdog: "watchdog": must be an absolute device path`},
		{"watchdog accepted", edit(t, `replication = "async"`, "replication = \"async\"\n[fencing]\nwatchdog = \"/dev/watchdog\""), ""},

		// [[node]]
		{"no nodes", base[:strings.Index(base, "[[node]]")], "node: no [[node]] entries"},
		{"id missing", edit(t, "id = 2\n", ""), "node \"b\" (#2) id: missing"},
		{"id zero", edit(t, "id = 2\n", "id = 0\n"), "node \"b\" (#2) id: 0: must be at least 1"},
		{"id negative", edit(t, "id = 2\n", "id = -2\n"), "node \"b\" (#2) id: -2"},
		{"id reserved", edit(t, "id = 2\n", "id = 4294967295\n"), "node \"b\" (#2) id: 4294967295: reserved"},
		{"id duplicate", edit(t, "id = 3\n", "id = 1\n"), "node \"c\" (#3) id: 1: node \"a\" (#1) has this id too: give every node its own id"},
		{"name missing", edit(t, "name = \"b\"\n", ""), "node #2 name: missing"},
		{"name empty", edit(t, `name = "b"`, `name = ""`), "node #2 name: missing or empty"},
		{"name duplicate", edit(t, `name = "c"`, `name = "a"`), `node "a" (#3) name: "a": node "a" (#1) has this name too`},
		{"name with slash", edit(t, `name = "b"`, `name = "b/1"`), `node #2 name: "b/1": character '/' not allowed`},
		{"name too long", edit(t, `name = "b"`, `name = "`+long+`"`), "node #2 name"},
		{"addr missing", edit(t, "addr = \"127.0.0.1:7002\"\n", ""), "node \"b\" (#2) addr: missing"},
		{"addr without port", edit(t, `addr = "127.0.0.1:7002"`, `addr = "127.0.0.1"`), `node "b" (#2) addr: "127.0.0.1": not host:port`},
		{"addr port zero", edit(t, `addr = "127.0.0.1:7002"`, `addr = "127.0.0.1:0"`), "port must be a number from 1 to 65535"},
		{"addr port too large", edit(t, `addr = "127.0.0.1:7002"`, `addr = "127.0.0.1:70000"`), `node "b" (#2) addr: "127.0.0.1:70000": port must be`},
		{"addr port by name", edit(t, `addr = "127.0.0.1:7002"`, `addr = "127.0.0.1:http"`), "port must be a number"},
		{"addr empty host", edit(t, `addr = "127.0.0.1:7002"`, `addr = ":7002"`), "host missing"},
		{"addr unspecified", edit(t, `addr = "127.0.0.1:7002"`, `addr = "0.0.0.0:7002"`), "unspecified address"},
		{"addr bad host", edit(t, `addr = "127.0.0.1:7002"`, `addr = "bad_host:7002"`), "neither an IP address nor a DNS name"},
		{"addr too long", edit(t, `addr = "127.0.0.1:7002"`, `addr = "`+strings.Repeat("h", 60)+`.example:7002"`), "longer than 63 bytes"},
		{"addr ipv6 accepted", edit(t, `addr = "127.0.0.1:7002"`, `addr = "[::1]:7002"`), ""},
		{"addr duplicate", edit(t, `addr = "127.0.0.1:7003"`, `addr = "127.0.0.1:7001"`), `node "c" (#3) addr: "127.0.0.1:7001": same endpoint as node "a" (#1) addr`},
		{"addr duplicate by hostname case", edit(t, `addr = "127.0.0.1:7002"`, `addr = "LocalHost:7002"`, `addr = "127.0.0.1:7003"`, `addr = "localhost:7002"`), "same endpoint as node \"b\" (#2) addr"},
		{"addr may share the port number of a TCP endpoint", edit(t, `addr = "127.0.0.1:7003"`, `addr = "127.0.0.1:7103"`), ""},
		{"ha_addr bad", edit(t, `ha_addr = "127.0.0.1:7102"`, `ha_addr = "127.0.0.1:-1"`), "node \"b\" (#2) ha_addr"},
		{"ha_addr duplicate", edit(t, `ha_addr = "127.0.0.1:7102"`, `ha_addr = "127.0.0.1:7101"`), "node \"b\" (#2) ha_addr: \"127.0.0.1:7101\": same endpoint as node \"a\" (#1) ha_addr"},
		{"ipc missing", edit(t, "ipc = \"unix:/tmp/b.sock\"\n", ""), "node \"b\" (#2) ipc: missing"},
		{"ipc bad form", edit(t, `ipc = "unix:/tmp/b.sock"`, `ipc = "/tmp/b.sock"`), `node "b" (#2) ipc: "/tmp/b.sock": must be unix:/path or host:port`},
		{"ipc tcp scheme", edit(t, `ipc = "unix:/tmp/b.sock"`, `ipc = "tcp://127.0.0.1:5"`), "must be unix:/path or host:port"},
		{"ipc empty unix path", edit(t, `ipc = "unix:/tmp/b.sock"`, `ipc = "unix:"`), "node \"b\" (#2) ipc: \"unix:\": empty socket path"},
		{"ipc unix path too long", edit(t, `ipc = "unix:/tmp/b.sock"`, `ipc = "unix:/`+strings.Repeat("d", 107)+`"`), "socket path longer than 107 bytes"},
		{"ipc unix duplicate", edit(t, `ipc = "unix:/tmp/b.sock"`, `ipc = "unix:/tmp/a.sock"`), "same socket as node \"a\" (#1) ipc"},
		{"ipc tcp clashes with ha_addr", edit(t, `ipc = "127.0.0.1:7203"`, `ipc = "127.0.0.1:7101"`), "node \"c\" (#3) ipc: \"127.0.0.1:7101\": same endpoint as node \"a\" (#1) ha_addr"},
		{"votes zero", edit(t, "votes = 1\n", "votes = 0\n"), "node \"b\" (#2) votes: 0: votes must be at least 1"},
		{"votes negative", edit(t, "votes = 1\n", "votes = -1\n"), "node \"b\" (#2) votes: -1"},
		{"votes too many", edit(t, "votes = 1\n", "votes = 65536\n"), "node \"b\" (#2) votes: 65536: votes must be at most 65535"},
		{"no eligible node", edit(t, "ipc = \"unix:/tmp/a.sock\"\n", "ipc = \"unix:/tmp/a.sock\"\neligible = false\n", "ipc = \"127.0.0.1:7203\"\n", "ipc = \"127.0.0.1:7203\"\neligible = false\n"), "no node has eligible = true"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\ndoes not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v is neither ErrInvalid nor ErrSyntax", err)
			}
		})
	}
}

func TestErrorFormatAndAllProblems(t *testing.T) {
	doc := edit(t, "id = 3\n", "id = 3\nvotes = 0\n", `cluster_name = "c1"`, `cluster_name = ""`)
	_, err := Parse([]byte(doc))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T %v, want *ValidationError", err, err)
	}
	want := []string{"cluster_name: missing or empty", "node \"c\" (#3) votes: 0: votes must be at least 1"}
	if !slices.Equal(ve.Problems, want) {
		t.Fatalf("problems %q, want %q", ve.Problems, want)
	}
}

func TestUnknownKeyInSeveralNodesNamedOnce(t *testing.T) {
	doc := edit(t, `name = "b"`, "name = \"b\"\ncolor = 1", `name = "c"`, "name = \"c\"\ncolor = 2")
	_, err := Parse([]byte(doc))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	want := []string{"node \"b\" (#2) color: unknown key", "node \"c\" (#3) color: unknown key"}
	if !slices.Equal(ve.Problems, want) {
		t.Fatalf("problems %q, want %q", ve.Problems, want)
	}
}

func TestValidateBuiltConfig(t *testing.T) {
	c, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate on a parsed config: %v", err)
	}
	c.Nodes[0].Votes = 0
	c.HA.Replication = ""
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "node \"a\" (#1) votes: 0") || !strings.Contains(err.Error(), `ha.replication: ""`) {
		t.Fatalf("Validate after edits: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(path, []byte(edit(t, "votes = 1\n", "votes = 0\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Load bad file: %v", err)
	}
	_, err = Load(filepath.Join(dir, "missing.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load missing file: %v", err)
	}
}

func TestExampleFile(t *testing.T) {
	// As documented: the key made by gohactl keygen where the file says.
	data, err := os.ReadFile("../../examples/cluster.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(data), "/tmp/goha-demo", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authkey"), bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 3 {
		t.Fatalf("%d nodes", len(c.Nodes))
	}
	for _, name := range []string{"n1", "n2", "n3"} {
		n, ok := c.NodeByName(name)
		if !ok {
			t.Fatalf("node %s missing", name)
		}
		if !strings.HasPrefix(n.Addr, "127.0.0.1:") || !strings.HasPrefix(n.HAAddr, "127.0.0.1:") {
			t.Errorf("%s is not on loopback: %+v", name, n)
		}
		if m, ok := c.NodeByID(n.ID); !ok || m != n {
			t.Errorf("NodeByID(%d) = %v, %v", n.ID, m, ok)
		}
	}
	s, nodes := c.QuorumSettings()
	in, warnings, err := quorum.Setup(s, nodes, 1)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("quorum.Setup: %v %v", err, warnings)
	}
	if got := in.Nodes[0].ExpectedVotes; got != 3 {
		t.Fatalf("expected votes %d, want 3", got)
	}
}

// TestExampleDocumentsEveryKey: each key of the contract appears in
// examples/cluster.toml, with a comment line right above it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../examples/cluster.toml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	keys := []string{"cluster_name", "domain_id", "authkey", "heartbeat", "failure_timeout",
		"expected_votes", "two_node", "wait_for_all", "last_man_standing", "last_man_standing_window",
		"auto_tie_breaker", "auto_tie_breaker_node", "allow_downscale", "token", "tick_timeout",
		"replication", "id", "name", "addr", "ha_addr", "ipc", "votes", "eligible",
		"authkey_file", "ipc_group", "ipc_allow_uids", "ipc_allow_gids", "ipc_access_file",
		"tls_cert", "tls_key", "tls_ca", "crypto_cipher"}
	for _, k := range keys {
		found := false
		for i, l := range lines {
			l = strings.TrimPrefix(strings.TrimSpace(l), "# ")
			if strings.HasPrefix(l, k+" = ") && i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("key %s is not shown with a comment above it", k)
		}
	}
}

func TestNodeLookupMisses(t *testing.T) {
	c, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.NodeByName("zz"); ok {
		t.Error("NodeByName found a missing node")
	}
	if _, ok := c.NodeByID(99); ok {
		t.Error("NodeByID found a missing node")
	}
}

func TestParseATBNode(t *testing.T) {
	cases := []struct {
		in      string
		mode    quorum.ATBMode
		ids     []uint32
		wantErr bool
	}{
		{"lowest", quorum.ATBLowest, nil, false},
		{" highest ", quorum.ATBHighest, nil, false},
		{"3 1 2", quorum.ATBList, []uint32{3, 1, 2}, false},
		{"7", quorum.ATBList, []uint32{7}, false},
		{"", quorum.ATBNone, nil, true},
		{"lowest 1", quorum.ATBNone, nil, true},
		{"1,2", quorum.ATBNone, nil, true},
		{"-1", quorum.ATBNone, nil, true},
		{"4294967296", quorum.ATBNone, nil, true},
		{"1 1", quorum.ATBNone, nil, true},
	}
	for _, tc := range cases {
		mode, ids, err := ParseATBNode(tc.in)
		if (err != nil) != tc.wantErr || mode != tc.mode || !slices.Equal(ids, tc.ids) {
			t.Errorf("ParseATBNode(%q) = %v %v %v", tc.in, mode, ids, err)
		}
	}
	q := Quorum{AutoTieBreaker: false, AutoTieBreakerNode: "highest"}
	if m, _, _ := q.ATB(); m != quorum.ATBNone {
		t.Errorf("ATB off gives %v", m)
	}
	q.AutoTieBreaker = true
	if m, _, _ := q.ATB(); m != quorum.ATBHighest {
		t.Errorf("ATB highest gives %v", m)
	}
}
