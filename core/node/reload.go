package node

// Reloading the config file at run time (SIGHUP, cmm_config_reload).
//
// What can change without a restart follows corosync's rule for
// votequorum (votes, expected_votes; see spec/votequorum.md "Startup-only
// versus runtime options") plus goha's own [logging] level:
//
//   - logging.level: applied to the daemon's LevelVar at once, unless gohad
//     was started with an explicit --log-level, which then wins.
//   - quorum.expected_votes: applied as votequorum_setexpected (cluster-wide,
//     with its checks: never below the votes present, never making a
//     quorate cluster inquorate). Removing the key means "the sum of the
//     nodes' votes", as at start.
//   - node[].votes: applied as votequorum_setvotes for each changed node.
//   - quorum.two_node: applied on this node (membership.SetTwoNode), as
//     corosync's reload does on each node that re-reads its file.
//   - Subsystems add their own runtime-reloadable files with
//     Node.AddReloader (the security files, for example).
//
// Every other difference between the file and the running configuration
// is listed as needing a restart, by key, and keeps its running value, so
// a later reload lists it again until the daemon restarts. A file that
// does not parse or validate changes nothing. None of this ever stops the daemon.

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/membership"
)

// ReloadReport says what a reload did.
type ReloadReport struct {
	// Applied lists each change now in effect ("quorum.expected_votes: 3 -> 5").
	Applied []string
	// Refused lists changes the running cluster refused, with the reason.
	Refused []string
	// Restart lists the keys whose new value takes effect only after a restart.
	Restart []string
}

// Reloader applies a subsystem's runtime-reloadable settings from the file
// just read (nc) and copies each setting it applied into cur, the running
// configuration (whatever still differs afterwards is reported as needing a
// restart). It runs on the node loop and must not block; it appends what it
// did to rep.
type Reloader func(cur, nc *config.Config, rep *ReloadReport)

// AddReloader registers r; call it before Run.
func (n *Node) AddReloader(r Reloader) { n.reloaders = append(n.reloaders, r) }

type reloadReq struct {
	trigger string
	res     chan reloadRes
}

type reloadRes struct {
	rep ReloadReport
	err error
}

// Reload re-reads the config file, applies what can change at run time and
// logs what it did and what needs a restart; trigger names the cause in
// the log ("SIGHUP"). Safe from any goroutine while Run is serving; it
// returns ErrStopped once the node has stopped.
func (n *Node) Reload(trigger string) (ReloadReport, error) {
	req := reloadReq{trigger: trigger, res: make(chan reloadRes, 1)}
	select {
	case n.reloads <- req:
	case <-n.done:
		return ReloadReport{}, ErrStopped
	}
	select {
	case r := <-req.res:
		return r.rep, r.err
	case <-n.done:
		return ReloadReport{}, ErrStopped
	}
}

// reload runs on the loop: load, diff, apply, log.
func (n *Node) reload(trigger string) (ReloadReport, error) {
	var rep ReloadReport
	nc, err := config.Load(n.opts.ConfigPath)
	if err != nil {
		n.log.Error("config reload failed; the running configuration is kept", "trigger", trigger, "err", err)
		return rep, err
	}
	if _, ok := nc.NodeByID(n.self.ID); !ok {
		err := fmt.Errorf("%s: the file has no node with id %d (this node, %s): fix the file or restart with another --node", n.opts.ConfigPath, n.self.ID, n.self.Name)
		n.log.Error("config reload failed; the running configuration is kept", "trigger", trigger, "err", err)
		return rep, err
	}
	cur := *n.cfg
	cur.Nodes = append([]config.Node(nil), n.cfg.Nodes...)
	n.reloadLogLevel(&cur, nc, &rep)
	n.reloadQuorum(&cur, nc, &rep)
	for _, r := range n.reloaders {
		r(&cur, nc, &rep)
	}
	rep.Restart = append(rep.Restart, restartKeys(&cur, nc)...)
	n.cfg = &cur
	n.route(n.coro.svc.Reconfigure(n.cfg)) // cmap shows the running config
	n.logReload(trigger, rep)
	return rep, nil
}

func (n *Node) logReload(trigger string, rep ReloadReport) {
	args := []any{"trigger", trigger, "file", n.opts.ConfigPath}
	if len(rep.Applied) > 0 {
		args = append(args, "applied", strings.Join(rep.Applied, "; "))
	}
	if len(rep.Refused) > 0 {
		args = append(args, "refused", strings.Join(rep.Refused, "; "))
	}
	if len(rep.Restart) > 0 {
		args = append(args, "needs_restart", strings.Join(rep.Restart, ", "))
	}
	switch {
	case len(rep.Refused) > 0 || len(rep.Restart) > 0:
		n.log.Warn("config reloaded", args...)
	case len(rep.Applied) == 0:
		n.log.Info("config reloaded: nothing changed", args...)
	default:
		n.log.Info("config reloaded", args...)
	}
}

func (n *Node) reloadLogLevel(cur, nc *config.Config, rep *ReloadReport) {
	if nc.Logging.Level == cur.Logging.Level {
		return
	}
	old := cur.Logging.Level
	cur.Logging.Level = nc.Logging.Level
	if n.opts.LogLevel == nil || n.opts.LogLevelFixed {
		rep.Restart = append(rep.Restart, "logging.level (gohad --log-level overrides it)")
		return
	}
	lvl := slog.LevelInfo
	if nc.Logging.Level != "" {
		lvl.UnmarshalText([]byte(nc.Logging.Level)) // validated by config
	}
	n.opts.LogLevel.Set(lvl)
	rep.Applied = append(rep.Applied, fmt.Sprintf("logging.level: %s -> %s", orDefault(old, "info"), orDefault(nc.Logging.Level, "info")))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sameNodes reports whether both configs list the same node ids.
func sameNodes(a, b *config.Config) bool {
	if len(a.Nodes) != len(b.Nodes) {
		return false
	}
	for _, x := range a.Nodes {
		if _, ok := b.NodeByID(x.ID); !ok {
			return false
		}
	}
	return true
}

func (n *Node) reloadQuorum(cur, nc *config.Config, rep *ReloadReport) {
	if !sameNodes(cur, nc) {
		return // the node table changed: restartKeys lists it
	}
	for i := range cur.Nodes {
		c := &cur.Nodes[i]
		w, _ := nc.NodeByID(c.ID)
		if w.Votes == c.Votes {
			continue
		}
		key := fmt.Sprintf("node %s (id %d) votes", c.Name, c.ID)
		if err := n.mem.SetVotes(membership.NodeID(c.ID), w.Votes); err != nil {
			rep.Refused = append(rep.Refused, fmt.Sprintf("%s %d -> %d: %v", key, c.Votes, w.Votes, err))
			continue
		}
		rep.Applied = append(rep.Applied, fmt.Sprintf("%s: %d -> %d", key, c.Votes, w.Votes))
		c.Votes = w.Votes
	}
	if nc.Quorum.TwoNode != cur.Quorum.TwoNode {
		if err := n.mem.SetTwoNode(nc.Quorum.TwoNode); err != nil {
			rep.Refused = append(rep.Refused, fmt.Sprintf("quorum.two_node %v: %v", nc.Quorum.TwoNode, err))
		} else {
			rep.Applied = append(rep.Applied, fmt.Sprintf("quorum.two_node: %v -> %v", cur.Quorum.TwoNode, nc.Quorum.TwoNode))
			cur.Quorum.TwoNode = nc.Quorum.TwoNode
		}
	}
	if nc.Quorum.ExpectedVotes != cur.Quorum.ExpectedVotes {
		want := nc.Quorum.ExpectedVotes
		if want == 0 {
			want = nc.TotalVotes()
		}
		if err := n.mem.SetExpected(want); err != nil {
			rep.Refused = append(rep.Refused, fmt.Sprintf("quorum.expected_votes %d: %v", want, err))
		} else {
			rep.Applied = append(rep.Applied, fmt.Sprintf("quorum.expected_votes: %d -> %d", cur.Quorum.ExpectedVotes, nc.Quorum.ExpectedVotes))
			cur.Quorum.ExpectedVotes = nc.Quorum.ExpectedVotes
		}
	}
}

// restartKeys names the settings that differ between the running config
// cur and the file nc and can only change with a restart (every field of
// config.Config, so keys added later are covered). Secrets are named, never
// shown.
func restartKeys(cur, nc *config.Config) []string {
	var keys []string
	a, b := reflect.ValueOf(cur).Elem(), reflect.ValueOf(nc).Elem()
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		if !f.IsExported() { // bookkeeping
			continue
		}
		key := configKey(f.Name)
		switch {
		case f.Name == "Nodes":
			keys = append(keys, nodeKeys(cur, nc)...)
		case f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == a.Type().PkgPath():
			for j := 0; j < f.Type.NumField(); j++ {
				sub := f.Type.Field(j).Name
				if strings.HasSuffix(sub, "Set") { // bookkeeping, not a key
					continue
				}
				if !reflect.DeepEqual(a.Field(i).Field(j).Interface(), b.Field(i).Field(j).Interface()) {
					if k, ok := fieldKeys[f.Name+"."+sub]; ok {
						keys = append(keys, k)
					} else {
						keys = append(keys, key+"."+configKey(sub))
					}
				}
			}
		default:
			if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
				keys = append(keys, key)
			}
		}
	}
	return keys
}

// nodeKeys names the [[node]] entries that changed other than in votes
// (applied or refused by reloadQuorum).
func nodeKeys(cur, nc *config.Config) []string {
	if !sameNodes(cur, nc) {
		return []string{"the node table (nodes added or removed)"}
	}
	var keys []string
	for _, c := range cur.Nodes {
		w, _ := nc.NodeByID(c.ID)
		ww := *w
		ww.Votes = c.Votes
		if !reflect.DeepEqual(c, ww) {
			keys = append(keys, fmt.Sprintf("node %s (id %d)", c.Name, c.ID))
		}
	}
	return keys
}

// fieldKeys are the file keys that configKey's rule would not give.
var fieldKeys = map[string]string{
	"AuthKey": "authkey", "AuthKeyFile": "authkey_file",
	"IPCAccess.Group": "ipc_group", "IPCAccess.AccessFile": "ipc_access_file",
	"IPCAccess.AllowUIDs": "ipc_allow_uids", "IPCAccess.AllowGIDs": "ipc_allow_gids",
}

// configKey turns a config.Config field name into its file key
// ("TickTimeout" -> "tick_timeout", "DomainID" -> "domain_id").
func configKey(s string) string {
	if k, ok := fieldKeys[s]; ok {
		return k
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := r[i-1] >= 'a' && r[i-1] <= 'z'
			nextLower := i+1 < len(r) && r[i+1] >= 'a' && r[i+1] <= 'z'
			if prevLower || nextLower {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}
