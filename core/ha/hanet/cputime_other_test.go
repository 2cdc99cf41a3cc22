//go:build !unix

package hanet

import "time"

// cpuTime is not measured here (benchmark CPU figures read 0).
func cpuTime() time.Duration { return 0 }
