package node

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/version"
)

// scrape fetches and parses the node's /metrics.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value returns the metric of family name whose labels include want.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(want); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == want[i] && l.GetValue() == want[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsScrape runs a two-node cluster with [metrics] listen, makes a
// an HA primary with b its secondary, commits, and checks the scraped
// values against what the daemon reports.
func TestMetricsScrape(t *testing.T) {
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`cluster_name = "m"
authkey = "metrics-secret-0123456789"
[timing]
heartbeat = "50ms"
failure_timeout = "2s"
[ha]
tick_timeout = "2s"
[metrics]
listen = "127.0.0.1:0"
[[node]]
id = 1
name = "a"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/a.sock"
[[node]]
id = 2
name = "b"
votes = 2
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/b.sock"
`, ports[0], ports[1], dir, ports[2], ports[3], dir)), 0o600)
	var nodes []*Node
	for _, name := range []string{"a", "b"} {
		n, err := Start(Options{ConfigPath: cfg, NodeName: name, DataDir: filepath.Join(dir, name), Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		nodes = append(nodes, n)
	}
	a, b := dialT(t, "unix:"+dir+"/a.sock"), dialT(t, "unix:"+dir+"/b.sock")
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := a.Status()
		if err == nil && len(st.Members) == 2 && st.Master == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two-node view: %+v %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range []struct {
		cl   interface{ HAConnect(string) error }
		name string
	}{{a, "a"}, {b, "b"}} {
		if err := c.cl.HAConnect("metrics-secret"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.BePrimary("a"); err != nil {
		t.Fatal(err)
	}
	if err := b.BeSecondary("b", "a", "", true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := a.CDBSet(fmt.Sprintf("/m/%d", i), store.String("v")); err != nil {
			t.Fatal(err)
		}
	}

	fams := scrape(t, nodes[0].MetricsAddr())
	st, _ := a.Status()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"goha_build_info", []string{"version", version.String(), "node", "a"}, 1},
		{"goha_quorate", nil, 1},
		{"goha_view_members", nil, 2},
		{"goha_view_ring_seq", nil, float64(st.Ring.Seq)},
		{"goha_quorum_total_votes", nil, 3},
		{"goha_quorum_expected_votes", nil, 3},
		{"goha_quorum_votes_needed", nil, 2},
		{"goha_node_votes", []string{"node", "b"}, 2},
		{"goha_node_member", []string{"node", "b"}, 1},
		{"goha_is_master", nil, 1},
		{"goha_cmm_role", []string{"node", "a", "role", "master"}, 1},
		{"goha_cmm_role", []string{"node", "b", "role", "vice_master"}, 1},
		{"goha_cmm_qualified", []string{"node", "b"}, 1},
		{"goha_ha_state", []string{"state", "primary"}, 1},
		{"goha_ha_state", []string{"state", "none"}, 0},
		{"goha_ha_txid", nil, 3},
		{"goha_ha_secondary_lag", []string{"secondary", "b"}, 0},
		{"goha_ha_secondary_in_sync", []string{"secondary", "b"}, 1},
		{"goha_datagrams_rejected_total", []string{"reason", "auth"}, 0},
	} {
		got, ok := value(fams, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	for _, name := range []string{"goha_datagrams_sent_total", "goha_datagrams_received_total", "goha_store_size_bytes", "goha_control_clients", "goha_views_installed_total"} {
		if v, ok := value(fams, name); !ok || v <= 0 {
			t.Errorf("%s = %v (present %v), want > 0", name, v, ok)
		}
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("no process metrics")
	}
	// The secondary reports its own state.
	fb := scrape(t, nodes[1].MetricsAddr())
	if v, _ := value(fb, "goha_ha_state", "state", "secondary"); v != 1 {
		t.Errorf("b: goha_ha_state{secondary} = %v", v)
	}
	if v, _ := value(fb, "goha_is_master"); v != 0 {
		t.Errorf("b: goha_is_master = %v", v)
	}
	if !strings.HasPrefix(nodes[0].MetricsAddr(), "127.0.0.1:") {
		t.Errorf("MetricsAddr %q", nodes[0].MetricsAddr())
	}
}
