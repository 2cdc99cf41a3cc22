package engine

import (
	"time"

	"golang.org/x/sys/unix"
)

// BootClock reads CLOCK_BOOTTIME: monotonic, never stepped, and unlike
// Go's monotonic clock (CLOCK_MONOTONIC) it keeps counting while the
// machine is suspended, so a node that wakes up from a suspend sees its
// lease as expired instead of thinking no time passed (spec
// auto-failover.md, section 4 "Clocks").
type BootClock struct{}

// Now implements hanet.Clock.
func (BootClock) Now() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Duration(time.Now().UnixNano()) // never on Linux >= 2.6.39
	}
	return time.Duration(ts.Nano())
}
