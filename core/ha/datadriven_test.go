package ha_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hamem"
	"github.com/goha/goha/core/store"
)

// TestTranscripts runs the scenarios in testdata/*.txt. Commands:
//
//	add-nodes names=(a,b) [mode=async] [token=T] [schema=S] [vsn=N]
//	be-primary a | be-relay a | be-none a | secondary-dead a b
//	be-secondary a primary=p [addr=host:port] [wait]
//	write a path=/p value=v        commit on a (string value)
//	stabilize                       deliver everything in FIFO order
//	deliver [n=K]                   deliver the first K packets in flight
//	deliver-at i=K                  deliver the K-th packet in flight (reordering)
//	duplicate [i=K]                 deliver a copy of the K-th packet, keeping it in flight
//	tick [a b ...] [n=K] [deliver]  tick these (default all up) nodes K times; deliver after each round
//	corrupt-snapshot                flip a bit in the first full copy in flight
//	crash a [silent] | restart a | cut a b | reset a b
//	status a | dump a | identical a b ... | log a | pending
func TestTranscripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if !strings.HasSuffix(path, ".txt") {
			return // e.g. testdata/fuzz corpora
		}
		c := hamem.New(t.TempDir(), rand.New(rand.NewSource(1)))
		var out []string
		c.Trace = func(s string) {
			if !strings.Contains(s, " tick") { // ticks are noise in transcripts
				out = append(out, s)
			}
		}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			out = nil
			if r := runCmd(t, c, td); r != "" {
				out = append([]string{r}, out...)
			}
			if len(out) == 0 {
				return "ok\n"
			}
			return strings.Join(out, "\n") + "\n"
		})
		for _, n := range c.Names {
			if m := c.Members[n]; m.Up() {
				m.Store.Close()
			}
		}
	})
}

func nodeArgs(td *datadriven.TestData) []string {
	var names []string
	for _, a := range td.CmdArgs {
		if len(a.Vals) == 0 && a.Key != "wait" && a.Key != "silent" && a.Key != "deliver" {
			names = append(names, a.Key)
		}
	}
	return names
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf("error: %v", err)
}

func runCmd(t *testing.T, c *hamem.Cluster, td *datadriven.TestData) string {
	names := nodeArgs(td)
	first := ""
	if len(names) > 0 {
		first = names[0]
	}
	switch td.Cmd {
	case "add-nodes":
		var ns []string
		td.ScanArgs(t, "names", &ns)
		mode, token, schema, vsn := "sync", "secret", "schema-1", 0
		td.MaybeScanArgs(t, "mode", &mode)
		td.MaybeScanArgs(t, "token", &token)
		td.MaybeScanArgs(t, "schema", &schema)
		td.MaybeScanArgs(t, "vsn", &vsn)
		md, err := ha.ParseMode(mode)
		if err != nil {
			return errString(err)
		}
		for _, n := range ns {
			if _, err := c.Add(ha.Config{Name: n, Key: ha.ClusterKey([]byte("transcript-authkey"), "t"), Token: []byte(token), SchemaID: schema, Mode: md, Version: uint32(vsn)}); err != nil {
				return errString(err)
			}
		}
	case "be-primary":
		return errString(c.Command(first, func(n *ha.Node) error { return n.BePrimary() }))
	case "be-relay":
		return errString(c.Command(first, func(n *ha.Node) error { return n.BeRelay() }))
	case "be-none":
		return errString(c.Command(first, func(n *ha.Node) error { return n.BeNone() }))
	case "secondary-dead":
		return errString(c.Command(first, func(n *ha.Node) error { return n.SecondaryDead(names[1]) }))
	case "be-secondary":
		var p string
		td.ScanArgs(t, "primary", &p)
		addr := p + ":4570"
		td.MaybeScanArgs(t, "addr", &addr)
		return errString(c.Command(first, func(n *ha.Node) error {
			_, err := n.BeSecondary(p, addr, td.HasArg("wait"))
			return err
		}))
	case "write":
		var p, v string
		td.ScanArgs(t, "path", &p)
		td.ScanArgs(t, "value", &v)
		cm, err := c.Write(first, []store.Op{store.SetOp(p, store.String(v))})
		if err != nil {
			return errString(err)
		}
		return fmt.Sprintf("%s: committed txid %d", first, cm.Txid)
	case "stabilize":
		c.Stabilize()
	case "duplicate":
		i := 0
		td.MaybeScanArgs(t, "i", &i)
		c.Duplicate(i)
	case "deliver-at":
		var i int
		td.ScanArgs(t, "i", &i)
		c.Deliver(i)
	case "deliver":
		k := 1
		td.MaybeScanArgs(t, "n", &k)
		for i := 0; i < k && len(c.Packets) > 0; i++ {
			c.Deliver(0)
		}
	case "tick":
		k := 1
		td.MaybeScanArgs(t, "n", &k)
		if len(names) == 0 {
			names = c.Names
		}
		for i := 0; i < k; i++ {
			for _, n := range names {
				c.Tick(n)
			}
			if td.HasArg("deliver") {
				c.Stabilize()
			}
		}
	case "crash":
		c.Crash(first, !td.HasArg("silent"))
	case "restart":
		return errString(c.Restart(first))
	case "cut":
		c.Cut(names[0], names[1])
	case "reset":
		c.Reset(names[0], names[1])
	case "corrupt-snapshot":
		for _, p := range c.Packets {
			if p.Snapshot != nil {
				p.Snapshot = append([]byte{}, p.Snapshot...)
				p.Snapshot[len(p.Snapshot)/2] ^= 0x10
				return fmt.Sprintf("corrupted %s", p)
			}
		}
		return "no snapshot in flight"
	case "pending":
		var lines []string
		for _, p := range c.Packets {
			lines = append(lines, p.String())
		}
		return strings.Join(lines, "\n")
	case "status":
		var lines []string
		for _, n := range names {
			m := c.Members[n]
			if !m.Up() {
				lines = append(lines, n+": down")
				continue
			}
			st := m.HA.Status()
			var nodes []string
			for _, x := range st.Nodes {
				nodes = append(nodes, x.Name)
			}
			line := fmt.Sprintf("%s: %s txid=%d store=%d nodes=[%s]", n, st.Role, st.Txid, m.Store.Txid(), strings.Join(nodes, " "))
			if st.Role == ha.RoleSecondary || st.Role == ha.RoleRelay {
				line += fmt.Sprintf(" initialized=%v", st.Initialized)
			}
			for _, p := range st.Peers {
				line += fmt.Sprintf(" %s(insync=%v acked=%d)", p.Name, p.InSync, p.Acked)
			}
			lines = append(lines, line)
		}
		return strings.Join(lines, "\n")
	case "dump":
		var b bytes.Buffer
		if err := c.Members[first].Store.DumpText(&b); err != nil {
			return errString(err)
		}
		return strings.TrimSuffix(b.String(), "\n")
	case "identical":
		var ref []byte
		for i, n := range names {
			var b bytes.Buffer
			if _, err := c.Members[n].Store.WriteSnapshot(&b); err != nil {
				return errString(err)
			}
			if i == 0 {
				ref = b.Bytes()
			} else if !bytes.Equal(ref, b.Bytes()) {
				return fmt.Sprintf("%s differs from %s", n, names[0])
			}
		}
		return "identical: " + strings.Join(names, " ")
	case "log":
		r := strings.Join(c.Members[first].Logs, "\n")
		c.Members[first].Logs = nil
		return r
	default:
		t.Fatalf("unknown command %q", td.Cmd)
	}
	_ = strconv.Itoa
	return ""
}
