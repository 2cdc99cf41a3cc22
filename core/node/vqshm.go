package node

import (
	"fmt"
	"net"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/wire"
)

// vqPage is the node's votequorum info page (wire.VQShm): a sealed memfd
// that the loop rewrites and local clients map read-only. It is written
// only by the node loop.
type vqPage struct {
	fd  int
	mem []byte
	shm *wire.VQShm
}

// newVQPage creates the page. The seals forbid resizing (a client could
// otherwise shrink it and fault the daemon) and any write through a
// mapping or descriptor created from now on, so clients can only read.
func newVQPage() (*vqPage, error) {
	fd, err := unix.MemfdCreate("gohad-votequorum", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	p := &vqPage{fd: fd}
	if err := unix.Ftruncate(fd, wire.VQShmSize); err != nil {
		p.close()
		return nil, fmt.Errorf("ftruncate: %w", err)
	}
	if p.mem, err = unix.Mmap(fd, 0, wire.VQShmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		p.close()
		return nil, fmt.Errorf("mmap: %w", err)
	}
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_FUTURE_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		p.close()
		return nil, fmt.Errorf("seal: %w", err)
	}
	if p.shm, err = wire.NewVQShm(p.mem); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// publishVQ publishes the votequorum info of every node to the info page
// and to the reader goroutines' fast path (answerFast), or only renews
// their validity when nothing changed. The loop calls it after every state
// change before it queues the replies and events that follow from the
// change, and at every pass (at least once a tick): see wire.VQShm.
func (n *Node) publishVQ() {
	q := &n.vqs
	infos := q.next[:0]
	q.scratch = n.mem.Infos(q.scratch[:0])
	for _, info := range q.scratch {
		infos = append(infos, *vqInfo(info))
	}
	changed := q.fast.Load() == nil || !slices.Equal(infos, q.last)
	if changed {
		q.fast.Store(newFastAnswers(n.self.ID, infos))
		q.last, q.next = infos, q.last
	} else {
		q.next = infos
	}
	// Valid for a tick and a half past now: the loop renews it at every
	// pass, and passes at least once a tick while it is alive.
	window := n.tick + n.tick/2
	q.validUntil.Store(int64(time.Since(n.start) + window))
	if p := n.vq; p != nil {
		validUntil := wire.MonotonicNow() + int64(window)
		if changed {
			p.shm.Publish(n.self.ID, infos, validUntil)
		} else {
			p.shm.Renew(validUntil)
		}
	}
}

func (p *vqPage) close() {
	if p.shm != nil {
		p.shm.Invalidate()
	}
	if p.mem != nil {
		unix.Munmap(p.mem)
		p.mem = nil
	}
	if p.fd >= 0 {
		unix.Close(p.fd)
		p.fd = -1
	}
}

// replyVQShm answers OpVQShm: the page's descriptor rides on the reply
// (unix sockets only). The descriptor stays open until the control server
// has stopped (Node.shutdown), so the writer never sends a stale one.
func (n *Node) replyVQShm(c *ctlConn, id uint64) {
	if n.vq == nil {
		c.reply(id, wire.CodeNotSupported, "this daemon has no votequorum info page", nil)
		return
	}
	if _, ok := c.nc.(*net.UnixConn); !ok {
		c.reply(id, wire.CodeNotSupported, "the votequorum info page is passed over unix sockets only", nil)
		return
	}
	body, err := wire.EncodeBody(&wire.VQShmInfo{Size: wire.VQShmSize, Magic: wire.VQShmMagic})
	if err != nil {
		c.reply(id, wire.CodeInternal, err.Error(), nil)
		return
	}
	c.replyFD(&wire.Msg{Type: wire.TypeReply, ID: id, Code: wire.CodeOK, Body: body}, n.vq.fd)
}
