//go:build !linux

package engine

import "errors"

// OpenWatchdog is only implemented on Linux (the watchdog API is Linux's).
func OpenWatchdog(path string) (Device, error) {
	return nil, errors.New("watchdog: [fencing] watchdog needs Linux")
}
