package node

import (
	"log/slog"
	"sync"
	"time"
)

// rateLog logs at most one line per message text per period and reports
// how many were suppressed in between, so a flood of bad datagrams or
// clients cannot flood the log.
type rateLog struct {
	log    *slog.Logger
	period time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
	quiet  map[string]int
}

func newRateLog(log *slog.Logger, period time.Duration) *rateLog {
	return &rateLog{log: log, period: period, last: map[string]time.Time{}, quiet: map[string]int{}}
}

// Log emits msg at Warn level unless it was emitted within the period.
func (r *rateLog) Log(msg string, args ...any) {
	now := time.Now()
	r.mu.Lock()
	if t, ok := r.last[msg]; ok && now.Sub(t) < r.period {
		r.quiet[msg]++
		r.mu.Unlock()
		return
	}
	n := r.quiet[msg]
	r.last[msg] = now
	r.quiet[msg] = 0
	r.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	r.log.Warn(msg, args...)
}
