package engine

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/goha/goha/core/ha/hanet"
)

// WatchdogTimeout bounds how long after its lease deadline a primary's
// watchdog may fire: every kick of an acting primary sets a timeout that
// ends at most WatchdogTimeout after the lease deadline, and a new
// primary's fence wait grows by it (FenceExtra), so a stopped primary's
// watchdog fires before anyone else may act as primary.
const WatchdogTimeout = time.Second

// IdleTimeout is the timeout of a node that is not the acting primary: it
// holds no writes, so a slow machine (a long GC pause or fsync) is not
// reset for nothing; it only guards against a hung daemon.
const IdleTimeout = 10 * time.Second

// feedEvery paces the kicks (each is two ioctls).
const feedEvery = 100 * time.Millisecond

// Device is a watchdog device as the Linux watchdog API presents it
// (Documentation/watchdog/watchdog-api.rst): OpenWatchdog gives the real
// one; tests use a double that records what it was told.
type Device interface {
	// SetTimeout is WDIOC_SETTIMEOUT (seconds): it also pings, and returns
	// the timeout the device uses now (drivers may round).
	SetTimeout(sec int) (int, error)
	// Timeout is WDIOC_GETTIMEOUT.
	Timeout() (int, error)
	// Close disarms the device with the magic close ('V', then close) where
	// the driver allows it (without nowayout).
	Close() error
}

// Watchdog feeds a Device from the engine's loop (Flush): while the node
// is healthy, and while it is the acting primary only while its lease
// holds, with a timeout computed at each kick so that the device fires no
// later than the lease deadline plus WatchdogTimeout, which every other
// node waits out before it may act as primary (membership's fence wait
// includes it, see FenceExtra). If the daemon hangs or is stopped while
// primary, the machine is reset before another primary can accept writes.
type Watchdog struct {
	dev   Device
	clock hanet.Clock
	log   *slog.Logger
	last  time.Duration // clock time of the last kick
	armed time.Duration // when the device fires if not kicked again
	fed   bool
	// Failed is set when the device did not take a timeout (it rounds up
	// past what was asked): the node then keeps its write gate closed.
	Failed error
}

// NewWatchdog arms dev on clock.
func NewWatchdog(dev Device, clock hanet.Clock, log *slog.Logger) *Watchdog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watchdog{dev: dev, clock: clock, log: log}
}

// FenceExtra is what a configured watchdog adds to membership's fence wait
// of a new master, in ticks of tick.
func FenceExtra(tick time.Duration) int { return int((WatchdogTimeout + tick - 1) / tick) }

// feed kicks the device if it is due (e may not be nil).
func (w *Watchdog) feed(e *Engine) {
	if w == nil {
		return
	}
	w.feedLease(e.LeaseDeadline())
}

// feedLease kicks the device if it is due, for a node whose write lease
// ends at d on the clock (0: it is not the acting primary).
func (w *Watchdog) feedLease(d time.Duration) {
	now := w.clock.Now()
	if w.fed && now-w.last < feedEvery {
		return
	}
	want := IdleTimeout
	if d > 0 {
		if now >= d {
			return // past the lease: no kick as primary (the gate closes first)
		}
		want = min(d-now+WatchdogTimeout, IdleTimeout)
	}
	w.kick(now, want)
}

// allow is called before the write gate opens until the clock reads until:
// it makes sure the device fires no later than until + WatchdogTimeout
// (kicking it with that timeout if needed) and reports whether it does.
func (w *Watchdog) allow(until time.Duration) bool {
	if w == nil {
		return true
	}
	if w.Failed != nil {
		return false
	}
	if w.fed && w.armed <= until+WatchdogTimeout {
		return true
	}
	now := w.clock.Now()
	if until <= now {
		return false
	}
	return w.kick(now, min(until-now+WatchdogTimeout, IdleTimeout))
}

// kick sets a timeout of at most want (whole seconds, rounded down, at
// least one) and checks the device took it.
func (w *Watchdog) kick(now, want time.Duration) bool {
	sec := max(1, int(want/time.Second))
	got, err := w.dev.SetTimeout(sec)
	if err == nil && got > sec {
		err = fmt.Errorf("watchdog: asked for a %ds timeout, the device uses %ds", sec, got)
	}
	if err == nil {
		if t, gerr := w.dev.Timeout(); gerr != nil || t > sec {
			err = fmt.Errorf("watchdog: timeout reads back as %ds (%v), asked %ds", t, gerr, sec)
		}
	}
	if err != nil {
		if w.Failed == nil {
			w.log.Error("watchdog cannot be trusted: this node will not accept writes", "err", err)
		}
		w.Failed = err
		return false
	}
	w.last, w.fed, w.armed = now, true, now+time.Duration(sec)*time.Second
	return true
}

// Stop disarms the device (magic close) once the node no longer writes
// (clean shutdown).
func (w *Watchdog) Stop() error {
	if w == nil {
		return nil
	}
	return w.dev.Close()
}
