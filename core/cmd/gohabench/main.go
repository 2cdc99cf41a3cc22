// Command gohabench measures gohad with real processes on loopback; the
// scripts under examples/bench/ call it.
//
//	gohabench freeports N
//	gohabench failover [--gohad PATH] [--trials 20] [--heartbeat D] [--failure D] [--nodes 3]
//	gohabench idle [--gohad PATH] [--duration 30s] [--nodes 3] [--heartbeat D] [--failure D]
//	gohabench scale [--gohad PATH] [--nodes 3] [--heartbeat D] [--failure D] [--cipher C] [--idle 5m] [--label L] [--header]
//	gohabench autofailover [--gohad PATH] [--trials 20] [-v] [--heartbeat D] [--failure D] [--nodes 3] [--witness I]
//	gohabench autoswitchover [--gohad PATH] [--trials 20] [-v] [--heartbeat D] [--failure D] [--nodes 3] [--witness I]
//
// idle, failover and scale take --auto ([ha] mode = "auto") and --witness I
// (node I is a witness, auto mode) too. autofailover and autoswitchover
// (auto.go) run an auto-mode cluster with a writer that records every
// acknowledged write: the time from SIGKILL of the primary until a write
// is acknowledged by the new one, and the write-unavailable window of a
// planned switchover, with the acknowledged writes lost (must be 0).
//
// failover: SIGKILL the CMM master and measure the time until every
// survivor has published (through the control protocol, as a view event)
// a new master; the killed node is restarted between trials. idle: RSS,
// CPU and datagram rate per node of an idle cluster. scale: N nodes started at
// once: time to one common view, then an idle window with the number of
// view and role changes, total and per-node CPU and RSS (scale.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "freeports":
		err = freeports(os.Args[2:])
	case "failover":
		err = failover(os.Args[2:])
	case "idle":
		err = idle(os.Args[2:])
	case "scale":
		err = scale(os.Args[2:])
	case "autofailover":
		err = autoFailover(os.Args[2:])
	case "autoswitchover":
		err = autoSwitchover(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gohabench: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gohabench freeports N | failover [flags] | idle [flags] | scale [flags] | autofailover [flags] | autoswitchover [flags]")
	os.Exit(2)
}

func freeports(args []string) error {
	if len(args) != 1 {
		usage()
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > 100 {
		return fmt.Errorf("n must be 1..100")
	}
	ps, err := nodetest.FreePorts(n)
	if err != nil {
		return err
	}
	s := make([]string, n)
	for i, p := range ps {
		s[i] = strconv.Itoa(p)
	}
	fmt.Println(strings.Join(s, " "))
	return nil
}

type common struct {
	gohad     string
	nodes     int
	heartbeat string
	failure   string
	cipher    string
	auto      bool // [ha] mode = "auto"
	witness   int  // the witness's index (auto mode), 0 for none
}

func (c *common) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.gohad, "gohad", "build/bin/gohad", "gohad binary")
	fs.IntVar(&c.nodes, "nodes", 3, "cluster size")
	fs.StringVar(&c.heartbeat, "heartbeat", "300ms", "heartbeat")
	fs.StringVar(&c.failure, "failure", "900ms", "failure_timeout")
	fs.StringVar(&c.cipher, "cipher", "", "crypto_cipher (default: not set, \"none\")")
	fs.BoolVar(&c.auto, "auto", false, "[ha] mode = \"auto\"")
	fs.IntVar(&c.witness, "witness", 0, "index of a witness node (auto mode; 0: none)")
}

// spec is the nodetest cluster of these flags.
func (c *common) spec() nodetest.Spec {
	s := nodetest.Spec{Nodes: c.nodes, Heartbeat: c.heartbeat, FailureTimeout: c.failure}
	if c.cipher != "" {
		s.Top = fmt.Sprintf("crypto_cipher = %q", c.cipher)
	}
	if c.auto || c.witness != 0 {
		s.HA = "mode = \"auto\""
	}
	if c.witness != 0 {
		s.NodeExtra = map[int]string{c.witness: "witness = true"}
	}
	return s
}

func (c *common) start() (*nodetest.Cluster, func(), error) {
	dir, err := os.MkdirTemp("", "gohabench")
	if err != nil {
		return nil, nil, err
	}
	gohad, err := filepath.Abs(c.gohad)
	if err != nil {
		return nil, nil, err
	}
	cl, err := nodetest.New(dir, gohad, c.spec())
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup := func() { cl.StopAll(); os.RemoveAll(dir) }
	for i := 1; i <= c.nodes; i++ {
		if err := cl.Start(i); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	if _, _, err := cl.WaitConverged(all(c.nodes), 60*time.Second); err != nil {
		cleanup()
		return nil, nil, err
	}
	return cl, cleanup, nil
}

func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// watchNewMaster subscribes to node i's views and reports the local time at
// which it first publishes a master other than old.
func watchNewMaster(cl *nodetest.Cluster, i int, old uint32) (<-chan time.Time, *client.Client, error) {
	c, err := cl.Dial(i)
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.Subscribe(wire.TopicView, 0); err != nil {
		c.Close()
		return nil, nil, err
	}
	out := make(chan time.Time, 1)
	go func() {
		for ev := range c.Events() {
			if ev.View != nil && ev.View.Master != 0 && ev.View.Master != old {
				out <- time.Now()
				return
			}
		}
	}()
	return out, c, nil
}

func failover(args []string) error {
	fs := flag.NewFlagSet("failover", flag.ExitOnError)
	var c common
	c.flags(fs)
	trials := fs.Int("trials", 20, "number of failovers")
	fs.Parse(args)
	fd, err := time.ParseDuration(c.failure)
	if err != nil {
		return err
	}
	hd, err := time.ParseDuration(c.heartbeat)
	if err != nil {
		return err
	}
	cl, cleanup, err := c.start()
	if err != nil {
		return err
	}
	defer cleanup()
	var samples []time.Duration
	for trial := 0; trial < *trials; trial++ {
		master, _, err := cl.WaitConverged(all(c.nodes), 60*time.Second)
		if err != nil {
			return err
		}
		survivors := slices.DeleteFunc(all(c.nodes), func(i int) bool { return i == int(master) })
		var chans []<-chan time.Time
		var clients []*client.Client
		for _, i := range survivors {
			ch, cc, err := watchNewMaster(cl, i, master)
			if err != nil {
				return err
			}
			chans, clients = append(chans, ch), append(clients, cc)
		}
		t0 := time.Now()
		if err := cl.Kill(int(master)); err != nil {
			return err
		}
		var last time.Time
		for k, ch := range chans {
			select {
			case t := <-ch:
				if t.After(last) {
					last = t
				}
			case <-time.After(60 * time.Second):
				return fmt.Errorf("trial %d: node %d saw no new master within 60s", trial, survivors[k])
			}
		}
		for _, cc := range clients {
			cc.Close()
		}
		samples = append(samples, last.Sub(t0))
		if err := cl.Start(int(master)); err != nil {
			return err
		}
	}
	slices.Sort(samples)
	p := func(q float64) time.Duration {
		idx := int(q*float64(len(samples)-1) + 0.5)
		return samples[idx]
	}
	goal := fd + 3*hd
	verdict := "meets"
	if p(0.99) > goal {
		verdict = "MISSES"
	}
	fmt.Printf("failover (SIGKILL master -> every survivor publishes the new master), %d nodes, heartbeat=%s failure_timeout=%s, %d trials:\n",
		c.nodes, c.heartbeat, c.failure, len(samples))
	fmt.Printf("  p50 %v  p99 %v  min %v  max %v   goal p99 <= failure_timeout+3*heartbeat = %v: %s\n",
		p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), samples[0].Round(time.Millisecond),
		samples[len(samples)-1].Round(time.Millisecond), goal, verdict)
	return nil
}

func procStat(pid int) (cpu time.Duration, rssKiB int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64) // utime is field 14 overall
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	cpu = time.Duration(ut+st) * time.Second / hz
	sb, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(sb), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			rssKiB, _ = strconv.Atoi(strings.Fields(line)[1])
		}
	}
	return cpu, rssKiB, nil
}

func idle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	var c common
	c.flags(fs)
	dur := fs.Duration("duration", 30*time.Second, "measurement window")
	fs.Parse(args)
	cl, cleanup, err := c.start()
	if err != nil {
		return err
	}
	defer cleanup()
	type sample struct {
		cpu  time.Duration
		rss  int
		sent uint64
	}
	take := func() ([]sample, time.Time, error) {
		var out []sample
		for i := 1; i <= c.nodes; i++ {
			cpu, rss, err := procStat(cl.Pid(i))
			if err != nil {
				return nil, time.Time{}, err
			}
			st, err := cl.Status(i)
			if err != nil {
				return nil, time.Time{}, err
			}
			out = append(out, sample{cpu, rss, st.Counters.DatagramsSent})
		}
		return out, time.Now(), nil
	}
	a, ta, err := take()
	if err != nil {
		return err
	}
	time.Sleep(*dur) // the measurement window itself, not a wait for a condition
	b, tb, err := take()
	if err != nil {
		return err
	}
	if _, _, ok := cl.Converged(all(c.nodes)); !ok {
		return fmt.Errorf("cluster changed during the idle window")
	}
	win := tb.Sub(ta)
	mode := ""
	if c.auto || c.witness != 0 {
		mode = ", auto mode"
	}
	fmt.Printf("idle %d-node cluster%s, heartbeat=%s failure_timeout=%s, window %v:\n", c.nodes, mode, c.heartbeat, c.failure, win.Round(time.Millisecond))
	for i := range b {
		cpu := b[i].cpu - a[i].cpu
		role := ""
		if i+1 == c.witness {
			role = " (witness)"
		}
		fmt.Printf("  n%d%s: RSS %5.1f MiB   CPU %5.2f%% of one core   %6.1f datagrams sent/s\n", i+1, role,
			float64(b[i].rss)/1024, 100*cpu.Seconds()/win.Seconds(), float64(b[i].sent-a[i].sent)/win.Seconds())
	}
	return nil
}
