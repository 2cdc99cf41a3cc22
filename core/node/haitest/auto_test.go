package haitest

// Auto mode on real gohad processes: 2 data nodes and a witness fail over
// by themselves and keep every acknowledged write, losing only the
// witness demotes nobody, and the write-unavailable window of a planned
// switchover (BenchmarkAutoSwitchover, make bench).

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// autoCluster is a running auto-mode cluster and a connection per node.
type autoCluster struct {
	tb  testing.TB
	c   *nodetest.Cluster
	cls map[int]*client.Client
}

// startAuto starts n nodes in auto mode with ha (more [ha] keys); the
// ones in witnesses are witnesses.
func startAuto(tb testing.TB, n int, ha string, witnesses ...int) *autoCluster {
	tb.Helper()
	extra := map[int]string{}
	for _, w := range witnesses {
		extra[w] = "witness = true"
	}
	c, err := nodetest.New(tb.TempDir(), gohad, nodetest.Spec{
		Nodes: n, Heartbeat: "30ms", FailureTimeout: "300ms",
		HA: "mode = \"auto\"\ntick_timeout = \"1s\"\n" + ha, NodeExtra: extra,
	})
	if err != nil {
		tb.Fatal(err)
	}
	c.StopOnCleanup(tb, 40)
	a := &autoCluster{tb: tb, c: c, cls: map[int]*client.Client{}}
	for i := 1; i <= n; i++ {
		a.start(i)
	}
	return a
}

func (a *autoCluster) start(i int) {
	a.tb.Helper()
	if err := a.c.Start(i); err != nil {
		a.tb.Fatal(err)
	}
	end := time.Now().Add(deadline)
	for {
		cl, err := a.c.Dial(i)
		if err == nil {
			cl.SetTimeout(5 * time.Second)
			a.cls[i] = cl
			a.tb.Cleanup(func() { cl.Close() })
			return
		}
		if time.Now().After(end) {
			a.tb.Fatalf("n%d does not answer: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (a *autoCluster) kill(i int) {
	a.tb.Helper()
	a.cls[i].Close()
	delete(a.cls, i)
	if err := a.c.Kill(i); err != nil {
		a.tb.Fatal(err)
	}
}

// writable waits until some node among from accepts writes and returns it.
func (a *autoCluster) writable(from ...int) (int, *wire.HAStatus) {
	a.tb.Helper()
	end := time.Now().Add(deadline)
	for {
		for _, i := range from {
			if cl := a.cls[i]; cl != nil {
				if st, err := cl.HAStatus(); err == nil && st.Auto != nil && st.Auto.Writable {
					return i, st
				}
			}
		}
		if time.Now().After(end) {
			a.tb.Fatalf("no writable primary among %v", from)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAutoWitness: 2 data nodes and a witness. The witness runs no store
// and no HA role; losing it demotes nobody (same primary, same epoch,
// writes go on); SIGKILL of the primary makes the other data node primary
// by itself, holding every acknowledged write. With the default min_sync
// (1) it refuses writes (CONFD_ERR_UNAVAILABLE) until the old primary is
// back in sync; with min_sync = 0 it takes writes at once.
func TestAutoWitness(t *testing.T) {
	for _, minSync := range []int{1, 0} {
		t.Run(fmt.Sprintf("min_sync=%d", minSync), func(t *testing.T) { autoWitness(t, minSync) })
	}
}

func autoWitness(t *testing.T, minSync int) {
	a := startAuto(t, 3, fmt.Sprintf("min_sync = %d", minSync), 3)
	p, st := a.writable(1, 2)
	q := 3 - p
	epoch := st.Auto.Epoch
	var acked []string
	write := func(i int) {
		t.Helper()
		k := fmt.Sprintf("/w/%03d", len(acked))
		if _, err := a.cls[i].CDBSetText(k, k); err != nil {
			t.Fatalf("write %s on n%d: %v", k, i, err)
		}
		acked = append(acked, k)
	}
	for range 10 {
		write(p)
	}
	if _, err := a.cls[3].CDBSetText("/x", "1"); client.CodeOf(err) != wire.CodeNotSupported {
		t.Fatalf("write on the witness: %v, want not supported", err)
	}
	if ws, err := a.cls[3].HAStatus(); err != nil || ws.State != 1 || ws.Auto == nil || !ws.Auto.Witness || ws.Auto.Writable {
		t.Fatalf("witness status %+v %v", ws, err)
	}

	a.kill(3) // the witness: nobody is demoted
	if _, err := a.c.WaitFor(p, deadline, "the witness gone from the view", func(s *wire.Status) bool {
		return len(s.Members) == 2
	}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		write(p)
	}
	if st, err := a.cls[p].HAStatus(); err != nil || !st.Auto.Writable || st.Auto.Epoch != epoch || st.Auto.Primary != fmt.Sprintf("n%d", p) {
		t.Fatalf("after losing the witness: %+v %v (epoch was %d)", st.Auto, err, epoch)
	}
	a.start(3)
	if _, err := a.c.WaitFor(p, deadline, "the witness back in the view", func(s *wire.Status) bool {
		return len(s.Members) == 3
	}); err != nil {
		t.Fatal(err)
	}

	a.kill(p) // the primary: the other data node takes over
	killed := time.Now()
	end := time.Now().Add(deadline)
	for {
		st, err := a.cls[q].HAStatus()
		if err == nil && st.State == 3 && st.Auto.Primary == fmt.Sprintf("n%d", q) && st.Auto.Epoch > epoch &&
			(st.Auto.Writable || minSync > 0) {
			t.Logf("n%d primary %v after SIGKILL of n%d (epoch %d -> %d), writable %t (%s)",
				q, time.Since(killed).Round(time.Millisecond), p, epoch, st.Auto.Epoch, st.Auto.Writable, st.Auto.Why)
			break
		}
		if time.Now().After(end) {
			t.Fatalf("n%d not primary after SIGKILL of n%d: %+v %v", q, p, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, k := range acked {
		if v, err := a.cls[q].CDBGet(k); err != nil || v.Str() != k {
			t.Fatalf("acknowledged %s missing on the new primary n%d: %v %v", k, q, v, err)
		}
	}
	if minSync > 0 {
		_, err := a.cls[q].CDBSetText("/refused", "1")
		if client.CodeOf(err) != wire.CodeUnavailable {
			t.Fatalf("write on n%d with no secondary in sync and min_sync %d: %v, want unavailable", q, minSync, err)
		}
	} else {
		for range 10 {
			write(q)
		}
	}
	a.start(p)
	end = time.Now().Add(deadline)
	for {
		st, err := a.cls[q].HAStatus()
		if err == nil && st.Auto.Writable && slices.Contains(st.Auto.Sync, fmt.Sprintf("n%d", p)) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("n%d not back in sync: %+v %v", p, st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 10 {
		write(q)
	}
	if v, err := a.cls[p].CDBGet(acked[len(acked)-1]); err != nil || v.Str() != acked[len(acked)-1] {
		t.Fatalf("n%d after rejoining: %v %v", p, v, err)
	}
}

// BenchmarkAutoSwitchover measures the write-unavailable window of a
// planned switchover (gohactl switchover NODE) in a 3-node auto cluster
// (heartbeat 30 ms, failure timeout 300 ms, sync replication): a writer
// writes back to back to whichever node accepts writes; the window is the
// time from the old primary's last acknowledged write to the new
// primary's first. Every acknowledged write must be on the new primary.
// Meaningful at b.N=1 (make bench uses -benchtime 1x): it runs 5
// switchovers and reports the median and the worst.
func BenchmarkAutoSwitchover(b *testing.B) {
	a := startAuto(b, 3, "")
	var windows []time.Duration
	for range b.N {
		for range 5 {
			windows = append(windows, a.switchover())
		}
	}
	sort.Slice(windows, func(i, j int) bool { return windows[i] < windows[j] })
	b.ReportMetric(float64(windows[len(windows)/2].Microseconds())/1000, "median-window-ms")
	b.ReportMetric(float64(windows[len(windows)-1].Microseconds())/1000, "max-window-ms")
}

// switchover hands the primary role from the writable node to the next
// one while writing, and returns the write-unavailable window.
func (a *autoCluster) switchover() time.Duration {
	a.tb.Helper()
	p, _ := a.writable(1, 2, 3)
	// Wait until both others are in sync: the handover goes to one.
	end := time.Now().Add(deadline)
	for {
		st, err := a.cls[p].HAStatus()
		if err == nil && len(st.Auto.Sync) == 2 {
			break
		}
		if time.Now().After(end) {
			a.tb.Fatalf("n%d: secondaries not in sync: %+v %v", p, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	target := p%3 + 1
	done := make(chan error, 1)
	var asked time.Time
	var lastOld, firstNew time.Time
	var acked []string
	seq := 0
	cur := p
	for firstNew.IsZero() {
		if seq == 20 && asked.IsZero() {
			asked = time.Now()
			go func() { done <- a.cls[p].Switchover(fmt.Sprintf("n%d", target)) }()
		}
		k := fmt.Sprintf("/sw/%d/%05d", p, seq)
		if _, err := a.cls[cur].CDBSetText(k, k); err == nil {
			acked = append(acked, k)
			seq++
			if cur == p {
				lastOld = time.Now()
			} else {
				firstNew = time.Now()
			}
			continue
		}
		if !asked.IsZero() && time.Since(asked) > deadline {
			a.tb.Fatalf("no primary accepts writes %v after the switchover to n%d", deadline, target)
		}
		cur = cur%3 + 1 // try the next node
	}
	if err := <-done; err != nil {
		a.tb.Fatalf("switchover to n%d: %v", target, err)
	}
	if cur != target {
		a.tb.Fatalf("switchover to n%d: n%d became primary", target, cur)
	}
	for _, k := range acked {
		if v, err := a.cls[cur].CDBGet(k); err != nil || v.Str() != k {
			a.tb.Fatalf("acknowledged %s missing on the new primary n%d: %v %v", k, cur, v, err)
		}
	}
	return firstNew.Sub(lastOld)
}
