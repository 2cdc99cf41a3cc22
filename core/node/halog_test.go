package node

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goha/goha/core/internal/lograte"
)

// recordHandler keeps the records logged through it.
type recordHandler struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

// TestHALogRetriesLimited: auto mode's retries to reach an unreachable
// primary (two lines per tick) log once per period with the count left
// out; other lines, and a retry towards another primary, are all logged.
func TestHALogRetriesLimited(t *testing.T) {
	h := &recordHandler{}
	logf := haLogf(slog.New(h), lograte.New(time.Hour))
	for range 100 {
		logf("ha %s: connecting to primary %s at %s", "n1", "n3", "127.0.0.1:7413")
		logf("ha %s: besecondary %s failed: %s (%d)", "n1", "n3", "connection refused", 25)
	}
	logf("ha %s: connecting to primary %s at %s", "n1", "n2", "127.0.0.1:7412")
	logf("ha %s: lost primary %s: %s", "n1", "n3", "EOF")
	logf("ha %s: lost primary %s: %s", "n1", "n3", "EOF")
	logf("ha %s: role %s -> %s", "n1", "none", "secondary")
	var got []string
	for _, r := range h.recs {
		got = append(got, r.Level.String()+" "+r.Message)
	}
	want := []string{
		"INFO ha n1: connecting to primary n3 at 127.0.0.1:7413",
		"INFO ha n1: besecondary n3 failed: connection refused (25)",
		"INFO ha n1: connecting to primary n2 at 127.0.0.1:7412",
		"INFO ha n1: lost primary n3: EOF",
		"INFO ha n1: lost primary n3: EOF",
		"DEBUG ha n1: role none -> secondary",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("logged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// After the period, the next retry line says how many were left out.
	h.recs = nil
	const period = 20 * time.Millisecond
	logf = haLogf(slog.New(h), lograte.New(period))
	for range 6 {
		logf("ha %s: connecting to primary %s at %s", "n1", "n3", "a")
	}
	time.Sleep(period) // at least the period has passed (Sleep never returns early)
	logf("ha %s: connecting to primary %s at %s", "n1", "n3", "a")
	if len(h.recs) != 2 {
		t.Fatalf("%d lines logged, want 2", len(h.recs))
	}
	var suppressed int64 = -1
	h.recs[1].Attrs(func(a slog.Attr) bool {
		if a.Key == "suppressed" {
			suppressed = a.Value.Int64()
		}
		return true
	})
	if suppressed != 5 {
		t.Fatalf("suppressed = %d, want 5", suppressed)
	}
}
