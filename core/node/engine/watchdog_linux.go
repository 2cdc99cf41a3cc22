package engine

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// linuxWatchdog is /dev/watchdog (or another watchdog device node) through
// the Linux watchdog API's ioctls (golang.org/x/sys/unix).
type linuxWatchdog struct{ f *os.File }

// OpenWatchdog opens and so arms the watchdog device at path (it is
// single-open: a second opener gets EBUSY). A device that cannot set its
// timeout (no WDIOF_SETTIMEOUT) is refused.
func OpenWatchdog(path string) (Device, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("watchdog %s: %w", path, err)
	}
	w := &linuxWatchdog{f: f}
	if info, err := unix.IoctlGetWatchdogInfo(int(f.Fd())); err == nil && info.Options&unix.WDIOF_SETTIMEOUT == 0 {
		w.Close()
		return nil, fmt.Errorf("watchdog %s (%s): cannot set its timeout", path, string(info.Identity[:]))
	}
	return w, nil
}

func (w *linuxWatchdog) SetTimeout(sec int) (int, error) {
	// WDIOC_SETTIMEOUT also pings the device.
	if err := unix.IoctlSetPointerInt(int(w.f.Fd()), unix.WDIOC_SETTIMEOUT, sec); err != nil {
		return 0, fmt.Errorf("watchdog: WDIOC_SETTIMEOUT %d: %w", sec, err)
	}
	return w.Timeout()
}

func (w *linuxWatchdog) Timeout() (int, error) {
	t, err := unix.IoctlGetInt(int(w.f.Fd()), unix.WDIOC_GETTIMEOUT)
	if err != nil {
		return 0, fmt.Errorf("watchdog: WDIOC_GETTIMEOUT: %w", err)
	}
	return t, nil
}

// Close writes the magic 'V' and closes: the driver disarms the device
// unless it was built with nowayout.
func (w *linuxWatchdog) Close() error {
	_, werr := w.f.Write([]byte("V"))
	if err := w.f.Close(); err != nil {
		return err
	}
	return werr
}
