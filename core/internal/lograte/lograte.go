// Package lograte keeps a flood of bad input from flooding the log: the
// daemon logs at most one line per kind of event and period, and says how
// many it left out in between. core/node (control clients, datagrams) and
// core/ha/hanet (the HA port) both use it.
package lograte

import (
	"sync"
	"time"
)

// Limiter decides, per kind of line, whether one may be logged now. Safe
// for concurrent use.
type Limiter struct {
	period time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
	quiet  map[string]int
}

// New returns a Limiter allowing one line per kind and period.
func New(period time.Duration) *Limiter {
	return &Limiter{period: period, last: map[string]time.Time{}, quiet: map[string]int{}}
}

// Allow reports whether a line of this kind may be logged now and, if so,
// how many lines of the kind were suppressed since the last one logged.
func (l *Limiter) Allow(kind string) (ok bool, suppressed int) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, seen := l.last[kind]; seen && now.Sub(t) < l.period {
		l.quiet[kind]++
		return false, 0
	}
	n := l.quiet[kind]
	l.last[kind] = now
	l.quiet[kind] = 0
	return true, n
}
