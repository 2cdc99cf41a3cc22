package engine

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct{ now time.Duration }

func (c *fakeClock) Now() time.Duration { return c.now }

// fakeDevice is a watchdog device double: it records every timeout it was
// given and when (by the clock), may round timeouts up as some drivers do,
// and computes when it would fire.
type fakeDevice struct {
	clock   *fakeClock
	roundTo int // a granularity in seconds the driver rounds up to (0: none)
	fail    error
	timeout int
	kicks   []kick
	closed  bool
}

type kick struct {
	at  time.Duration
	sec int
}

func (d *fakeDevice) SetTimeout(sec int) (int, error) {
	if d.fail != nil {
		return 0, d.fail
	}
	if d.roundTo > 0 {
		sec = (sec + d.roundTo - 1) / d.roundTo * d.roundTo
	}
	d.timeout = sec
	d.kicks = append(d.kicks, kick{d.clock.now, sec})
	return sec, nil
}

func (d *fakeDevice) Timeout() (int, error) { return d.timeout, nil }
func (d *fakeDevice) Close() error          { d.closed = true; return nil }

// firesAt is when the device resets the machine if it is not kicked again.
func (d *fakeDevice) firesAt() time.Duration {
	k := d.kicks[len(d.kicks)-1]
	return k.at + time.Duration(k.sec)*time.Second
}

func TestWatchdogAllowBoundsTheFiring(t *testing.T) {
	c := &fakeClock{now: 5 * time.Second}
	dev := &fakeDevice{clock: c}
	w := NewWatchdog(dev, c, nil)
	// An idle node: the long timeout.
	w.feedLease(0)
	if len(dev.kicks) != 1 || dev.kicks[0].sec != int(IdleTimeout/time.Second) {
		t.Fatalf("idle kick %+v, want one of %v", dev.kicks, IdleTimeout)
	}
	// The gate is about to open until now+2.5s: the device must fire by
	// then plus WatchdogTimeout (3.5s from now: rounded down, 3s).
	until := c.now + 2500*time.Millisecond
	if !w.allow(until) {
		t.Fatal("allow refused a device that takes any timeout")
	}
	if got := dev.firesAt(); got > until+WatchdogTimeout {
		t.Fatalf("device fires at %v, after the lease end %v + %v", got, until, WatchdogTimeout)
	}
	// Asking again for the same or a later end within the bound kicks
	// nothing more.
	n := len(dev.kicks)
	if !w.allow(until) || len(dev.kicks) != n {
		t.Fatalf("allow kicked again (%d kicks, had %d)", len(dev.kicks), n)
	}
	// A lease end already past: no gate.
	if w.allow(c.now-time.Millisecond) && dev.firesAt() > c.now-time.Millisecond+WatchdogTimeout {
		t.Fatal("allow accepted a past lease end it cannot bound")
	}
	// Past the lease, an acting primary is not kicked at all.
	c.now = until + time.Millisecond
	n = len(dev.kicks)
	w.feedLease(until)
	if len(dev.kicks) != n {
		t.Fatalf("kicked past the lease deadline: %+v", dev.kicks[n:])
	}
	if err := w.Stop(); err != nil || !dev.closed {
		t.Fatalf("Stop: %v, closed %t", err, dev.closed)
	}
}

func TestWatchdogRoundingUpFails(t *testing.T) {
	c := &fakeClock{now: time.Second}
	dev := &fakeDevice{clock: c, roundTo: 5} // a driver with 5 s steps
	w := NewWatchdog(dev, c, nil)
	if w.allow(c.now + 1500*time.Millisecond) {
		t.Fatal("allow trusted a device that rounded 2 s up to 5 s")
	}
	if w.Failed == nil {
		t.Fatal("Failed not set")
	}
	// It stays distrusted: the node keeps its gate closed.
	if w.allow(c.now + 9*time.Second) {
		t.Fatal("allow after a failure")
	}
	dev2 := &fakeDevice{clock: c, fail: errors.New("EINVAL")}
	w2 := NewWatchdog(dev2, c, nil)
	if w2.allow(c.now+time.Second) || w2.Failed == nil {
		t.Fatal("allow trusted a device that refused the timeout")
	}
}

// TestWatchdogTimingRelation drives a watchdog as the engine does, with a
// lease that is renewed, lost and regained at random and the process
// stopping at random, and checks the relation the fence wait relies on:
// while the node may accept writes (its gate open until some lease end),
// the device fires no later than that lease end plus WatchdogTimeout, so a
// primary that stops being fed is reset before another node may act (a
// new master waits for the old lease plus FenceExtra).
func TestWatchdogTimingRelation(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		c := &fakeClock{now: time.Duration(r.IntN(1000)) * time.Millisecond}
		dev := &fakeDevice{clock: c}
		w := NewWatchdog(dev, c, nil)
		var lease time.Duration // the lease end, 0 when not primary
		var gateUntil time.Duration
		for step := 0; step < 2000; step++ {
			c.now += time.Duration(1+r.IntN(50)) * time.Millisecond
			switch x := r.IntN(100); {
			case x < 3: // lease lost
				lease = 0
			case x < 40: // renewed (heartbeats), or gained
				lease = c.now + time.Duration(300+r.IntN(2000))*time.Millisecond
			}
			if lease > 0 && lease <= c.now {
				lease = 0
			}
			// The engine feeds, then opens the gate only if allow says so.
			w.feedLease(lease)
			gateUntil = 0
			if lease > 0 && w.allow(lease) {
				gateUntil = lease
			}
			if gateUntil > 0 && dev.firesAt() > gateUntil+WatchdogTimeout {
				t.Fatalf("seed %d step %d: gate open until %v but the device fires at %v (> +%v)",
					seed, step, gateUntil, dev.firesAt(), WatchdogTimeout)
			}
			if r.IntN(500) == 0 && gateUntil > 0 {
				// The process stops here: nothing kicks any more. The
				// device must fire before another node may act, which
				// is after gateUntil + FenceExtra.
				if dev.firesAt() > gateUntil+WatchdogTimeout {
					t.Fatalf("seed %d: stopped primary's device fires at %v, lease end %v", seed, dev.firesAt(), gateUntil)
				}
				break
			}
		}
		if w.Failed != nil {
			t.Fatalf("seed %d: %v", seed, w.Failed)
		}
		for _, k := range dev.kicks {
			if k.sec < 1 || time.Duration(k.sec)*time.Second > IdleTimeout {
				t.Fatalf("seed %d: timeout %ds out of [1s, %v]", seed, k.sec, IdleTimeout)
			}
		}
	}
}

func TestFenceExtraCoversTheWatchdog(t *testing.T) {
	for _, tick := range []time.Duration{5 * time.Millisecond, 30 * time.Millisecond, 70 * time.Millisecond, time.Second} {
		if got := time.Duration(FenceExtra(tick)) * tick; got < WatchdogTimeout {
			t.Errorf("tick %v: FenceExtra %v < %v", tick, got, WatchdogTimeout)
		}
	}
}
