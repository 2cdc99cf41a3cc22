package wire

import (
	"errors"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The votequorum info page: a read-only shared memory page through which a
// local client answers votequorum_getinfo without a round trip to gohad.
//
// Why. A same-CPU request/reply over a unix socket costs two context
// switches; on the reference machine a C echo server and client already
// need 8 us for it, which is all corosync's getinfo costs. The answer is a
// few words of state that change only at views, votes and quorum-device
// events, so gohad publishes them in a memfd (OpVQShm passes the
// descriptor with SCM_RIGHTS, sealed so that clients cannot write) and the
// library reads them with a sequence lock.
//
// Consistency rules (the writer, gohad's node loop, keeps them):
//   - the page is rewritten after every state change and before any event
//     or reply that follows from the change is queued, so a client that saw
//     an event or the reply to its own setexpected reads the new state;
//   - ValidUntil is renewed at every loop pass (at least once a tick); a
//     reader whose CLOCK_MONOTONIC is past it must ask the daemon instead,
//     so a stopped, stalled or dead daemon is never answered for from stale
//     data for longer than the validity window (1.5 ticks);
//   - a node that is not in the page (unknown node, or a cluster larger
//     than VQShmMaxNodes) is asked for over the socket, which also gives
//     the proper error.
//
// Layout, in host-order uint32 words (the page never leaves the host);
// every word is read and written atomically, so the sequence lock is
// race-free under the Go memory model:
//
//	word 0      VQShmMagic
//	word 1      sequence: odd while the writer is updating
//	word 2..3   ValidUntil, CLOCK_MONOTONIC nanoseconds (low, high)
//	word 4      the local node id (what node 0 means)
//	word 5      number of node entries
//	word 6      quorum device name length
//	word 7..70  quorum device name bytes (256)
//	word 72...  entries of vqShmEntryWords words: the VQInfo fields in
//	            declaration order except the name
const (
	// VQShmMagic marks an initialised page of this layout ("GVQ1").
	VQShmMagic uint32 = 0x31515647
	// VQShmSize is the size of the page in bytes.
	VQShmSize = 16 << 10
	// VQShmMaxNodes is how many nodes fit in the page.
	VQShmMaxNodes = (VQShmSize/4 - vqShmEntries) / vqShmEntryWords

	vqShmSeq        = 1
	vqShmValid      = 2
	vqShmSelf       = 4
	vqShmCount      = 5
	vqShmNameLen    = 6
	vqShmName       = 7
	vqShmNameMax    = 256
	vqShmEntries    = 72
	vqShmEntryWords = 9
	vqShmReadTries  = 64
)

// ErrVQShm is returned for a memory area that cannot hold the info page.
var ErrVQShm = errors.New("wire: unusable votequorum info page")

// VQShmInfo is the result of OpVQShm; the page's descriptor travels with
// the reply frame as SCM_RIGHTS.
type VQShmInfo struct {
	Size  uint32 `msgpack:"size"`
	Magic uint32 `msgpack:"magic"`
}

// VQShm is a view of the info page: gohad writes it (one writer), clients
// read it.
type VQShm struct {
	w []uint32
}

// NewVQShm wraps mem, which must be VQShmSize bytes, 4-byte aligned (an
// mmap'ed page is).
func NewVQShm(mem []byte) (*VQShm, error) {
	if len(mem) < VQShmSize || uintptr(unsafe.Pointer(unsafe.SliceData(mem)))%4 != 0 {
		return nil, ErrVQShm
	}
	return &VQShm{w: unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(mem))), VQShmSize/4)}, nil
}

// MonotonicNow is CLOCK_MONOTONIC in nanoseconds, the clock of ValidUntil
// (the same for every process of the host, unlike time.Now's reading).
func MonotonicNow() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 1<<63 - 1 // treated as "everything stale"
	}
	return ts.Nano()
}

func (s *VQShm) store(i int, v uint32) { atomic.StoreUint32(&s.w[i], v) }
func (s *VQShm) load(i int) uint32     { return atomic.LoadUint32(&s.w[i]) }

// Publish writes the local node id, the info of every node (at most
// VQShmMaxNodes; the quorum device name is taken from the first) and the
// validity deadline. Only one goroutine may write a page.
func (s *VQShm) Publish(self uint32, infos []VQInfo, validUntil int64) {
	seq := s.load(vqShmSeq)
	s.store(vqShmSeq, seq+1)
	s.store(vqShmValid, uint32(validUntil))
	s.store(vqShmValid+1, uint32(uint64(validUntil)>>32))
	s.store(vqShmSelf, self)
	infos = infos[:min(len(infos), VQShmMaxNodes)]
	s.store(vqShmCount, uint32(len(infos)))
	var name string
	if len(infos) > 0 {
		name = infos[0].QDeviceName
	}
	name = name[:min(len(name), vqShmNameMax)]
	s.store(vqShmNameLen, uint32(len(name)))
	var nb [vqShmNameMax]byte
	copy(nb[:], name)
	for i := 0; i < (len(name)+3)/4; i++ {
		s.store(vqShmName+i, uint32(nb[4*i])|uint32(nb[4*i+1])<<8|uint32(nb[4*i+2])<<16|uint32(nb[4*i+3])<<24)
	}
	for i := range infos {
		in := &infos[i]
		b := vqShmEntries + i*vqShmEntryWords
		for j, v := range [vqShmEntryWords]uint32{in.NodeID, in.NodeState, in.NodeVotes, in.NodeExpected,
			in.HighestExpected, in.TotalVotes, in.Quorum, in.Flags, in.QDeviceVotes} {
			s.store(b+j, v)
		}
	}
	s.store(0, VQShmMagic)
	s.store(vqShmSeq, seq+2)
}

// Renew moves the validity deadline only.
func (s *VQShm) Renew(validUntil int64) {
	seq := s.load(vqShmSeq)
	s.store(vqShmSeq, seq+1)
	s.store(vqShmValid, uint32(validUntil))
	s.store(vqShmValid+1, uint32(uint64(validUntil)>>32))
	s.store(vqShmSeq, seq+2)
}

// Invalidate makes every reader ask the daemon (at shutdown).
func (s *VQShm) Invalidate() { s.Renew(0) }

// Read fills out with node's info (0: the local node) as of the last
// Publish, if the page is valid at now (MonotonicNow) and lists the node.
// false means: ask the daemon.
func (s *VQShm) Read(node uint32, now int64, out *VQInfo) bool {
	for range vqShmReadTries {
		seq := s.load(vqShmSeq)
		if seq&1 != 0 {
			continue
		}
		ok := s.read(node, now, out)
		if s.load(vqShmSeq) == seq {
			return ok
		}
	}
	return false // a writer kept changing it: let the daemon answer
}

func (s *VQShm) read(node uint32, now int64, out *VQInfo) bool {
	if s.load(0) != VQShmMagic {
		return false
	}
	valid := int64(uint64(s.load(vqShmValid)) | uint64(s.load(vqShmValid+1))<<32)
	if now >= valid {
		return false
	}
	if node == 0 {
		node = s.load(vqShmSelf)
	}
	n := min(int(s.load(vqShmCount)), VQShmMaxNodes)
	for i := range n {
		b := vqShmEntries + i*vqShmEntryWords
		if s.load(b) != node {
			continue
		}
		*out = VQInfo{NodeID: node, NodeState: s.load(b + 1), NodeVotes: s.load(b + 2), NodeExpected: s.load(b + 3),
			HighestExpected: s.load(b + 4), TotalVotes: s.load(b + 5), Quorum: s.load(b + 6), Flags: s.load(b + 7),
			QDeviceVotes: s.load(b + 8)}
		if l := min(int(s.load(vqShmNameLen)), vqShmNameMax); l > 0 {
			var nb [vqShmNameMax]byte
			for k := 0; k < (l+3)/4; k++ {
				v := s.load(vqShmName + k)
				nb[4*k], nb[4*k+1], nb[4*k+2], nb[4*k+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			}
			out.QDeviceName = string(nb[:l])
		}
		return true
	}
	return false
}
