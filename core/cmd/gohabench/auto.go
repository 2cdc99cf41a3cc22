package main

// autofailover and autoswitchover: auto mode ([ha] mode = "auto") measured
// with real processes and a writer that records every acknowledged write.

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
)

// autoRun is a running auto-mode cluster and its writer's record.
type autoRun struct {
	c      common
	cl     *nodetest.Cluster
	data   []int
	status map[int]*client.Client

	mu    sync.Mutex
	acked []autoAck
	seq   int
}

type autoAck struct {
	key  string
	node int
	at   time.Time
}

func startAuto(c common) (*autoRun, func(), error) {
	c.auto = true
	cl, cleanup, err := c.start()
	if err != nil {
		return nil, nil, err
	}
	r := &autoRun{c: c, cl: cl, status: map[int]*client.Client{}}
	for i := 1; i <= c.nodes; i++ {
		if i != c.witness {
			r.data = append(r.data, i)
		}
	}
	done := func() {
		for _, s := range r.status {
			s.Close()
		}
		cleanup()
	}
	return r, done, nil
}

// ha asks node i for its HA status over a connection kept for it.
func (r *autoRun) ha(i int) (string, bool, []string, uint64, error) {
	s := r.status[i]
	if s == nil {
		var err error
		if s, err = r.cl.Dial(i); err != nil {
			return "", false, nil, 0, err
		}
		s.SetTimeout(2 * time.Second)
		r.status[i] = s
	}
	st, err := s.HAStatus()
	if err != nil {
		s.Close()
		delete(r.status, i)
		return "", false, nil, 0, err
	}
	if st.Auto == nil {
		return "", false, nil, 0, errors.New("not in auto mode")
	}
	return st.Auto.Primary, st.Auto.Writable, st.Auto.Sync, st.Txid, nil
}

// settled waits until a data node accepts writes with every other data
// node in sync at its txid, and returns it.
func (r *autoRun) settled(timeout time.Duration) (int, error) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		if p, ok := r.settledNow(); ok {
			return p, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("auto cluster not settled within %v", timeout)
}

func (r *autoRun) settledNow() (int, bool) {
	for _, p := range r.data {
		_, w, sync, txid, err := r.ha(p)
		if err != nil || !w {
			continue
		}
		for _, q := range r.data {
			if q == p {
				continue
			}
			_, _, _, qt, err := r.ha(q)
			if err != nil || qt != txid || !slices.Contains(sync, fmt.Sprintf("n%d", q)) {
				return 0, false
			}
		}
		return p, true
	}
	return 0, false
}

// write runs a writer until stop is closed: it writes unique keys to the
// node that acknowledged last and, refused, tries the next data node.
func (r *autoRun) write(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	conns := map[int]*client.Client{}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	target := r.data[0]
	for {
		select {
		case <-stop:
			return
		default:
		}
		c := conns[target]
		if c == nil {
			var err error
			if c, err = r.cl.Dial(target); err == nil {
				c.SetTimeout(2 * time.Second)
				conns[target] = c
			}
		}
		if c != nil {
			r.mu.Lock()
			r.seq++
			key := fmt.Sprintf("/bench/%07d", r.seq)
			r.mu.Unlock()
			if _, err := c.CDBSetText(key, key); err == nil {
				at := time.Now()
				r.mu.Lock()
				r.acked = append(r.acked, autoAck{key, target, at})
				r.mu.Unlock()
				continue
			}
			if c.Err() != nil {
				c.Close()
				delete(conns, target)
			}
		}
		target = r.data[(slices.Index(r.data, target)+1)%len(r.data)]
		time.Sleep(time.Millisecond)
	}
}

// waitAck waits until a write acknowledged after index from satisfies ok.
func (r *autoRun) waitAck(from int, timeout time.Duration, ok func(autoAck) bool) (autoAck, error) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		r.mu.Lock()
		for _, a := range r.acked[from:] {
			if ok(a) {
				r.mu.Unlock()
				return a, nil
			}
		}
		r.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	return autoAck{}, fmt.Errorf("no such write acknowledged within %v", timeout)
}

// waitAcks waits until node p acknowledged n more writes.
func (r *autoRun) waitAcks(p, n int, timeout time.Duration) error {
	for range n {
		if _, err := r.waitAck(r.mark(), timeout, func(a autoAck) bool { return a.node == p }); err != nil {
			return err
		}
	}
	return nil
}

func (r *autoRun) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}

// lost counts the acknowledged writes missing on a data node (the
// cluster settled: the primary and every secondary in sync with it).
func (r *autoRun) lost() (int, error) {
	r.mu.Lock()
	acked := slices.Clone(r.acked)
	r.mu.Unlock()
	missing := map[string]bool{}
	for _, i := range r.data {
		c, err := r.cl.Dial(i)
		if err != nil {
			return 0, err
		}
		_, es, err := c.CDBDump("/bench/")
		c.Close()
		if err != nil {
			return 0, err
		}
		have := map[string]bool{}
		for _, e := range es {
			have[e.Path] = e.Value.String() == e.Path
		}
		for _, a := range acked {
			if !have[a.key] {
				missing[a.key] = true
			}
		}
	}
	return len(missing), nil
}

func percentile(s []time.Duration, q float64) time.Duration {
	return s[int(q*float64(len(s)-1)+0.5)]
}

// autoTrial runs one measured fault with the writer running: fault returns
// the sample, or an error; then it stops the writer, heals with after and
// checks that nothing acknowledged was lost.
func (r *autoRun) autoTrial(fault func(p int) (time.Duration, error), after func(p int) error) (time.Duration, int, error) {
	p, err := r.settled(60 * time.Second)
	if err != nil {
		return 0, 0, err
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go r.write(stop, done)
	d, ferr := fault(p)
	close(stop)
	<-done
	if ferr != nil {
		return 0, 0, ferr
	}
	if err := after(p); err != nil {
		return 0, 0, err
	}
	if _, err := r.settled(60 * time.Second); err != nil {
		return 0, 0, err
	}
	lost, err := r.lost()
	return d, lost, err
}

// verbose (-v): print each trial.
var verbose bool

func trace(t int, at time.Time, d time.Duration) {
	if verbose {
		fmt.Printf("  trial %d: fault at %s: %v\n", t, at.Format("15:04:05.000"), d.Round(time.Millisecond))
	}
}

func autoFlags(name string, args []string) (common, int, time.Duration, time.Duration) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	var c common
	c.flags(fs)
	trials := fs.Int("trials", 20, "number of trials")
	fs.BoolVar(&verbose, "v", false, "print each trial's figure and when its fault began")
	fs.Parse(args)
	hd, err1 := time.ParseDuration(c.heartbeat)
	fd, err2 := time.ParseDuration(c.failure)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println(err)
		usage()
	}
	return c, *trials, hd, fd
}

func (r *autoRun) shape() string {
	if r.c.witness != 0 {
		return fmt.Sprintf("%d data nodes and a witness", len(r.data))
	}
	return fmt.Sprintf("%d data nodes", len(r.data))
}

// loadAvg is the machine's 1-minute load average ("?" if unknown): on a
// busy machine a starved loop raises membership's local health penalty,
// which delays the suspicion of a dead peer by F/2 per point (membership
// package doc, "Local health"), the first cause of a long failover tail.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// trials runs n trials of fault (given the trial's number and the
// primary's index) with restore after each, and returns the sorted
// samples and the most acknowledged writes any trial found lost.
func (r *autoRun) trials(n int, fault func(t, p int) (time.Duration, error), restore func(p int) error) ([]time.Duration, int, error) {
	var samples []time.Duration
	lostTotal := 0
	for t := 0; t < n; t++ {
		d, lost, err := r.autoTrial(func(p int) (time.Duration, error) { return fault(t, p) }, restore)
		if err != nil {
			return nil, 0, fmt.Errorf("trial %d: %w", t, err)
		}
		samples, lostTotal = append(samples, d), max(lostTotal, lost)
	}
	slices.Sort(samples)
	return samples, lostTotal, nil
}

// autoFailover: SIGKILL of the primary until a write is acknowledged by
// the new one, per trial; the killed node is restarted in between.
func autoFailover(args []string) error {
	c, trials, hd, fd := autoFlags("autofailover", args)
	load := loadAvg()
	if c.witness != 0 && c.nodes < 4 {
		return errors.New("autofailover needs at least 2 data nodes besides the primary to take writes at once: use --nodes 3 without a witness")
	}
	r, done, err := startAuto(c)
	if err != nil {
		return err
	}
	defer done()
	samples, lostTotal, err := r.trials(trials, func(t, p int) (time.Duration, error) {
		// Writes in flight at the kill, at a random phase of the
		// heartbeat.
		if err := r.waitAcks(p, 20, 30*time.Second); err != nil {
			return 0, err
		}
		time.Sleep(time.Duration(rand.Int64N(int64(hd))))
		m := r.mark()
		t0 := time.Now()
		if err := r.cl.Kill(p); err != nil {
			return 0, err
		}
		a, err := r.waitAck(m, 60*time.Second, func(a autoAck) bool { return a.node != p })
		trace(t, t0, a.at.Sub(t0))
		return a.at.Sub(t0), err
	}, func(p int) error { return r.cl.Start(p) })
	if err != nil {
		return err
	}
	goal := fd + 3*hd + 50*time.Millisecond
	fmt.Printf("auto failover (SIGKILL of the primary -> first write acknowledged by the new primary), %s, sync, heartbeat=%s failure_timeout=%s, %d trials, load average %s before, %s after:\n",
		r.shape(), c.heartbeat, c.failure, len(samples), load, loadAvg())
	verdict := "meets"
	if percentile(samples, 0.99) > goal {
		verdict = "MISSES"
	}
	fmt.Printf("  p50 %v  p99 %v  min %v  max %v   goal p99 <= failure_timeout+3*heartbeat+50ms = %v: %s\n",
		percentile(samples, 0.5).Round(time.Millisecond), percentile(samples, 0.99).Round(time.Millisecond),
		samples[0].Round(time.Millisecond), samples[len(samples)-1].Round(time.Millisecond), goal, verdict)
	if fd <= 200*time.Millisecond {
		v := "meets"
		if percentile(samples, 0.99) > 300*time.Millisecond {
			v = "MISSES"
		}
		fmt.Printf("  goal at this timing p99 <= 300ms: %s\n", v)
	}
	fmt.Printf("  acknowledged writes: %d, lost: %d (checked on the new primary and every in-sync secondary after each trial)\n", r.mark(), lostTotal)
	if lostTotal > 0 {
		return fmt.Errorf("%d acknowledged writes lost", lostTotal)
	}
	return nil
}

// autoSwitchover: the write-unavailable window of a planned switchover
// (the old primary's last acknowledged write to the new one's first).
func autoSwitchover(args []string) error {
	c, trials, _, _ := autoFlags("autoswitchover", args)
	load := loadAvg()
	r, done, err := startAuto(c)
	if err != nil {
		return err
	}
	defer done()
	samples, lostTotal, err := r.trials(trials, func(t, p int) (time.Duration, error) {
		if err := r.waitAcks(p, 20, 30*time.Second); err != nil {
			return 0, err
		}
		target := r.data[(slices.Index(r.data, p)+1)%len(r.data)]
		m := r.mark()
		sc, err := r.cl.Dial(p)
		if err != nil {
			return 0, err
		}
		defer sc.Close()
		sc.SetTimeout(30 * time.Second)
		if err := sc.Switchover(fmt.Sprintf("n%d", target)); err != nil {
			return 0, err
		}
		first, err := r.waitAck(m, 60*time.Second, func(a autoAck) bool { return a.node == target })
		if err != nil {
			return 0, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		var last time.Time
		for _, a := range r.acked {
			if a.node == p && a.at.After(last) && a.at.Before(first.at) {
				last = a.at
			}
		}
		trace(t, last, first.at.Sub(last))
		return first.at.Sub(last), nil
	}, func(int) error { return nil })
	if err != nil {
		return err
	}
	fmt.Printf("auto switchover write-unavailable window (last write acknowledged by the old primary -> first by the new), %s, heartbeat=%s failure_timeout=%s, %d trials, load average %s before, %s after:\n",
		r.shape(), c.heartbeat, c.failure, len(samples), load, loadAvg())
	fmt.Printf("  p50 %v  p99 %v  min %v  max %v; acknowledged writes %d, lost %d\n",
		percentile(samples, 0.5).Round(time.Millisecond), percentile(samples, 0.99).Round(time.Millisecond),
		samples[0].Round(time.Millisecond), samples[len(samples)-1].Round(time.Millisecond), r.mark(), lostTotal)
	if lostTotal > 0 {
		return fmt.Errorf("%d acknowledged writes lost", lostTotal)
	}
	return nil
}
