package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// viewWatch follows one node's published views (TopicView events) and
// counts the changes of ring and of roles.
type viewWatch struct {
	mu          sync.Mutex
	cur         wire.ViewEvent
	have        bool
	ringChanges int // installed rings after the first one seen
	roleChanges int // master or vice-master changes within a ring
}

func (w *viewWatch) set(v wire.ViewEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.have {
		switch {
		case v.Ring != w.cur.Ring:
			w.ringChanges++
		case v.Master != w.cur.Master || v.ViceMaster != w.cur.ViceMaster:
			w.roleChanges++
		}
	}
	w.cur, w.have = v, true
}

func (w *viewWatch) get() (wire.ViewEvent, bool, int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur, w.have, w.ringChanges, w.roleChanges
}

// watchViews subscribes to node i's views (retrying until its control
// endpoint answers or deadline passes) and feeds w until the connection
// ends.
func watchViews(cl *nodetest.Cluster, i int, w *viewWatch, deadline time.Time) (*client.Client, error) {
	for {
		c, err := cl.Dial(i)
		if err == nil {
			if _, err = c.Subscribe(wire.TopicView, wire.TopicView); err == nil {
				go func() {
					for ev := range c.Events() {
						if ev.View != nil {
							w.set(*ev.View)
						}
					}
				}()
				return c, nil
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("node %d: control endpoint: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond) // the process is starting: poll its socket
	}
}

// oneView reports whether every watch shows the same quorate ring of all n
// nodes with the same master.
func oneView(ws []*viewWatch, n int) bool {
	var first wire.ViewEvent
	for k, w := range ws {
		v, have, _, _ := w.get()
		if !have || !v.Quorate || v.Master == 0 || len(v.Members) != n {
			return false
		}
		if k == 0 {
			first = v
		} else if v.Ring != first.Ring || v.Master != first.Master {
			return false
		}
	}
	return true
}

// viewSummary describes the views that disagree, for a failed formation.
func viewSummary(ws []*viewWatch) string {
	count := map[string][]int{}
	for k, w := range ws {
		v, have, _, _ := w.get()
		key := "none"
		if have {
			key = fmt.Sprintf("ring %x.%x %d members master %d quorate %t", v.Ring.Rep, v.Ring.Seq, len(v.Members), v.Master, v.Quorate)
		}
		count[key] = append(count[key], k+1)
	}
	var parts []string
	for key, nodes := range count {
		parts = append(parts, fmt.Sprintf("%s: %d node(s) %s", key, len(nodes), short(nodes)))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

func short(ids []int) string {
	if len(ids) > 8 {
		return fmt.Sprintf("%v...", ids[:8])
	}
	return fmt.Sprint(ids)
}

// scaleResult is one run of the scale benchmark.
type scaleResult struct {
	formed               bool
	formTime             time.Duration
	window               time.Duration
	ringChanges, roleChg int
	split                bool // the nodes no longer show one view at the end
	cpuTotal             float64
	cpuMean, cpuMax      float64 // % of one core per node
	rssMean, rssMax      float64 // MiB
	dgramsPerNode        float64 // datagrams sent per node per second
}

func scale(args []string) error {
	fs := flag.NewFlagSet("scale", flag.ExitOnError)
	var c common
	c.flags(fs)
	idleDur := fs.Duration("idle", 5*time.Minute, "idle window after the view formed")
	formTimeout := fs.Duration("form-timeout", 60*time.Second, "give up forming one view after this long")
	label := fs.String("label", "", "label printed before the figures (e.g. the binary's name)")
	header := fs.Bool("header", false, "print the column header first")
	fs.Parse(args)
	if *header {
		fmt.Printf("%-10s %5s %-11s %9s %8s %7s %5s %9s %14s %13s %9s\n", "binary", "nodes", "timing", "one view", "idle", "views", "roles",
			"CPU total", "CPU/node mean", "RSS/node MiB", "dgrams/s")
	}
	res, err := runScale(c, *idleDur, *formTimeout)
	if err != nil {
		return err
	}
	form := "none"
	if res.formed {
		form = fmt.Sprintf("%.2fs", res.formTime.Seconds())
	}
	idle, views, roles := "-", "-", "-"
	cpu, cpuNode, rss, dg := "-", "-", "-", "-"
	if res.formed {
		idle = res.window.Round(time.Second).String()
		views, roles = fmt.Sprint(res.ringChanges), fmt.Sprint(res.roleChg)
		if res.split {
			views += "!"
		}
	}
	if res.window > 0 {
		cpu = fmt.Sprintf("%.1f%%", res.cpuTotal)
		cpuNode = fmt.Sprintf("%.2f%% (max %.2f)", res.cpuMean, res.cpuMax)
		rss = fmt.Sprintf("%.1f (max %.1f)", res.rssMean, res.rssMax)
		dg = fmt.Sprintf("%.1f", res.dgramsPerNode)
	}
	fmt.Printf("%-10s %5d %-11s %9s %8s %7s %5s %9s %14s %13s %9s\n", *label, c.nodes, c.heartbeat+"/"+c.failure, form, idle, views, roles,
		cpu, cpuNode, rss, dg)
	return nil
}

// runScale starts c.nodes gohad at once, measures the time until every node
// publishes one common quorate view of all nodes with one master, then
// keeps the cluster idle for idleDur and counts view and role changes and
// the CPU, RSS and datagrams of every process. A cluster that never forms
// one view is measured over the formation timeout instead (formed false).
func runScale(c common, idleDur, formTimeout time.Duration) (scaleResult, error) {
	var res scaleResult
	dir, err := os.MkdirTemp("", "gohabench-scale")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	gohad, err := filepath.Abs(c.gohad)
	if err != nil {
		return res, err
	}
	cl, err := nodetest.New(dir, gohad, c.spec())
	if err != nil {
		return res, err
	}
	defer cl.StopAll()
	ws := make([]*viewWatch, c.nodes)
	t0 := time.Now()
	for i := 1; i <= c.nodes; i++ {
		ws[i-1] = new(viewWatch)
		if err := cl.Start(i); err != nil {
			return res, err
		}
	}
	deadline := t0.Add(formTimeout)
	for i := 1; i <= c.nodes; i++ {
		cc, err := watchViews(cl, i, ws[i-1], deadline)
		if err != nil {
			return res, err
		}
		defer cc.Close()
	}
	for !oneView(ws, c.nodes) && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond) // polls in-memory state fed by the event streams
	}
	res.formed = oneView(ws, c.nodes)
	res.formTime = time.Since(t0)
	if !res.formed {
		fmt.Fprintf(os.Stderr, "gohabench scale: %d nodes at %s/%s: no single view within %v: %s\n",
			c.nodes, c.heartbeat, c.failure, formTimeout, viewSummary(ws))
		idleDur = 10 * time.Second // measure the cost of the churn briefly
	}
	baseRings, baseRoles := make([]int, c.nodes), make([]int, c.nodes)
	for k, w := range ws {
		_, _, baseRings[k], baseRoles[k] = w.get()
	}
	a, ta, err := sampleAll(cl, c.nodes)
	if err != nil {
		return res, err
	}
	time.Sleep(idleDur) // the measurement window itself, not a wait for a condition
	b, tb, err := sampleAll(cl, c.nodes)
	if err != nil {
		return res, err
	}
	res.window = tb.Sub(ta)
	for k, w := range ws {
		_, _, rc, roc := w.get()
		res.ringChanges += rc - baseRings[k]
		res.roleChg += roc - baseRoles[k]
	}
	res.split = res.formed && !oneView(ws, c.nodes)
	for i := range b {
		cpu := 100 * (b[i].cpu - a[i].cpu).Seconds() / res.window.Seconds()
		res.cpuTotal += cpu
		res.cpuMax = max(res.cpuMax, cpu)
		rss := float64(b[i].rss) / 1024
		res.rssMean += rss
		res.rssMax = max(res.rssMax, rss)
		res.dgramsPerNode += float64(b[i].sent-a[i].sent) / res.window.Seconds()
	}
	n := float64(c.nodes)
	res.cpuMean, res.rssMean, res.dgramsPerNode = res.cpuTotal/n, res.rssMean/n, res.dgramsPerNode/n
	return res, nil
}

type procSample struct {
	cpu  time.Duration
	rss  int
	sent uint64
}

func sampleAll(cl *nodetest.Cluster, n int) ([]procSample, time.Time, error) {
	var out []procSample
	for i := 1; i <= n; i++ {
		cpu, rss, err := procStat(cl.Pid(i))
		if err != nil {
			return nil, time.Time{}, err
		}
		var sent uint64
		if st, err := cl.Status(i); err == nil {
			sent = st.Counters.DatagramsSent
		}
		out = append(out, procSample{cpu, rss, sent})
	}
	return out, time.Now(), nil
}
