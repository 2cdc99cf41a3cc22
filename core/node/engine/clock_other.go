//go:build !linux

package engine

import "time"

var bootStart = time.Now()

// BootClock is Go's monotonic clock where CLOCK_BOOTTIME does not exist.
type BootClock struct{}

// Now implements hanet.Clock.
func (BootClock) Now() time.Duration { return time.Since(bootStart) }
