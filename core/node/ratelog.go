package node

import (
	"log/slog"
	"time"

	"github.com/goha/goha/core/internal/lograte"
)

// rateLog logs at most one line per message text per period and reports
// how many were suppressed in between, so a flood of bad datagrams or
// clients cannot flood the log.
type rateLog struct {
	log *slog.Logger
	lim *lograte.Limiter
}

func newRateLog(log *slog.Logger, period time.Duration) *rateLog {
	return &rateLog{log: log, lim: lograte.New(period)}
}

// Log emits msg at Warn level unless it was emitted within the period.
func (r *rateLog) Log(msg string, args ...any) {
	ok, n := r.lim.Allow(msg)
	if !ok {
		return
	}
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	r.log.Warn(msg, args...)
}
