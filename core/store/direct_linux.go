package store

import (
	"errors"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// createDirect creates (truncating) a file for writing a full copy with
// O_DIRECT: the pages go from our buffer to the disk without being copied
// into the page cache, which on Linux roughly halves the CPU cost of
// receiving a copy and leaves only metadata for the final fsync. It falls
// back to ordinary writes where the file system refuses O_DIRECT.
func createDirect(path string) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|syscall.O_DIRECT, 0o600)
	if err == nil {
		return f, true, nil
	}
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	return f, false, err
}

// isDirectRefusal reports whether a write failed because of O_DIRECT's
// alignment rules or lack of support (EINVAL).
func isDirectRefusal(err error) bool { return errors.Is(err, syscall.EINVAL) }

// dropDirect turns O_DIRECT off on f.
func dropDirect(f *os.File) error {
	fd := int(f.Fd())
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_DIRECT)
	return err
}

// hugePage is the size of a transparent huge page on the platforms that matter.
const hugePage = 2 << 20

// hugeBuf maps n bytes of anonymous memory aligned to a huge page and asks
// for transparent huge pages. A 4 MiB O_DIRECT write from ordinary pages
// is cut into many device requests (each holds a bounded number of
// discontiguous segments); from huge pages it is one or two, which
// measured about 40% faster on a virtio disk. It returns nil if the
// mapping fails; free unmaps it (nothing may use the memory after).
func hugeBuf(n int) ([]byte, func()) {
	n = (n + hugePage - 1) &^ (hugePage - 1)
	m, err := unix.Mmap(-1, 0, n+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	off := int(uintptr(unsafe.Pointer(&m[0]))) & (hugePage - 1)
	if off != 0 {
		off = hugePage - off
	}
	b := m[off : off+n : off+n]
	unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: ordinary pages work too
	return b, func() { unix.Munmap(m) }
}
