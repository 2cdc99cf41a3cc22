package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
)

// Digest is an order-independent checksum of a store's whole content: the XOR
// of the SHA-256 of every (path, value) entry. It is updated incrementally by
// each commit, persisted with the transaction id, and compared by HA peers to
// decide whether a full copy can be skipped and to detect a diverged replica.
type Digest [32]byte

// String returns the first 8 bytes in hex (enough to tell digests apart in logs).
func (d Digest) String() string { return hex.EncodeToString(d[:8]) }

func (d *Digest) xor(o Digest) {
	for i := range d {
		d[i] ^= o[i]
	}
}

func entryHash(path string, enc []byte) Digest {
	var h entryHasher
	return h.sum(path, enc)
}

// entryHasher computes entry hashes reusing one SHA-256 state (hot in
// snapshot staging and Verify).
type entryHasher struct {
	h hash.Hash
}

func (e *entryHasher) sum(path string, enc []byte) Digest {
	if e.h == nil {
		e.h = sha256.New()
	} else {
		e.h.Reset()
	}
	var l [2]byte
	binary.BigEndian.PutUint16(l[:], uint16(len(path)))
	e.h.Write(l[:])
	io.WriteString(e.h, path)
	e.h.Write(enc)
	var d Digest
	e.h.Sum(d[:0])
	return d
}

// hashLen is the size of an entry hash.
const hashLen = sha256.Size

// storedHdr is what the data bucket keeps in front of each value's
// encoding (store format 2):
//
//	hash(32)  entryHash(path, encoding): the entry's digest contribution
//	crc(4)    CRC-32C of path then encoding (entryCRC), big-endian
//
// Both are computed once, at the commit, and travel with the value in a
// full copy, whose receiver checks the CRC against the bytes it got.
const storedHdr = hashLen + 4

// entryCRC is the CRC-32C of an entry's path followed by its encoding.
func entryCRC[P string | []byte](path P, enc []byte) uint32 {
	c := crc32.Update(0, castagnoli, []byte(path))
	return crc32.Update(c, castagnoli, enc)
}

// storedValue is what the data bucket holds for path = v (see
// storedHdr). It returns the entry hash too.
func storedValue(path string, v Value) ([]byte, Digest) {
	b := make([]byte, storedHdr, storedHdr+v.Size())
	b = v.AppendEncoding(b)
	h := entryHash(path, b[storedHdr:])
	copy(b, h[:])
	binary.BigEndian.PutUint32(b[hashLen:], entryCRC(path, b[storedHdr:]))
	return b, h
}

// splitStored splits a stored value into its entry hash, entry CRC and
// encoding; anything too short to hold them is ErrCorrupt.
func splitStored(raw []byte) (Digest, uint32, []byte, error) {
	if len(raw) <= storedHdr {
		return Digest{}, 0, nil, fmt.Errorf("%w: stored value of %d bytes", ErrCorrupt, len(raw))
	}
	return Digest(raw[:hashLen]), binary.BigEndian.Uint32(raw[hashLen:]), raw[storedHdr:], nil
}

// OpKind says what an Op does.
type OpKind uint8

// Operation kinds.
const (
	OpSet    OpKind = 1
	OpDelete OpKind = 2
)

// Op is one change inside a transaction.
type Op struct {
	Kind  OpKind
	Path  string
	Value Value // for OpSet
}

// SetOp and DeleteOp build ops for Batch.
func SetOp(path string, v Value) Op { return Op{Kind: OpSet, Path: path, Value: v} }
func DeleteOp(path string) Op       { return Op{Kind: OpDelete, Path: path} }

// Commit is one committed transaction, as replicated: its transaction id,
// its ops, and the store digest after it.
type Commit struct {
	Txid   uint64
	Ops    []Op
	Digest Digest
}

// pathOK is ValidatePath without the error (and without allocating), for
// the hot paths: every entry of a received copy.
func pathOK(p []byte) bool {
	if len(p) < 2 || len(p) > MaxPathLen || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] == 0 || p[i] == '/' && p[i-1] == '/' {
			return false
		}
	}
	return true
}

// ValidatePath checks a path: it starts with '/', has no empty component,
// no trailing '/', no NUL, and is at most MaxPathLen bytes.
func ValidatePath(p string) error {
	switch {
	case len(p) < 2 || p[0] != '/':
		return fmt.Errorf("%w: %q must start with / and name something", ErrBadPath, p)
	case len(p) > MaxPathLen:
		return fmt.Errorf("%w: longer than %d bytes", ErrBadPath, MaxPathLen)
	case strings.Contains(p, "//") || strings.HasSuffix(p, "/"):
		return fmt.Errorf("%w: %q has an empty component", ErrBadPath, p)
	case strings.IndexByte(p, 0) >= 0:
		return fmt.Errorf("%w: contains NUL", ErrBadPath)
	}
	return nil
}

const commitMagic = 0xC1

// Encode returns the commit's wire form, ending with a CRC-32C of everything
// before it, so a corrupted commit is detected by DecodeCommit.
//
//	magic(1) txid(8) digest(32) nops(4) { kind(1) pathlen(2) path [vallen(4) value] }* crc32c(4)
func (c *Commit) Encode() []byte {
	n := 1 + 8 + 32 + 4 + 4
	for _, op := range c.Ops {
		n += 3 + len(op.Path) + 4 + 9 + len(op.Value.b)
	}
	b := make([]byte, 0, n)
	b = append(b, commitMagic)
	b = binary.BigEndian.AppendUint64(b, c.Txid)
	b = append(b, c.Digest[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.Ops)))
	for _, op := range c.Ops {
		b = append(b, byte(op.Kind))
		b = binary.BigEndian.AppendUint16(b, uint16(len(op.Path)))
		b = append(b, op.Path...)
		if op.Kind == OpSet {
			enc := op.Value.Encode()
			b = binary.BigEndian.AppendUint32(b, uint32(len(enc)))
			b = append(b, enc...)
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// DecodeCommit parses and checks an encoded commit. Any damage (bad CRC,
// truncation, bad path or value) gives an error wrapping ErrCorrupt.
func DecodeCommit(b []byte) (Commit, error) {
	var c Commit
	corrupt := func(what string) (Commit, error) {
		return Commit{}, fmt.Errorf("%w: commit: %s", ErrCorrupt, what)
	}
	if len(b) < 1+8+32+4+4 || b[0] != commitMagic {
		return corrupt("bad header")
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return corrupt("checksum mismatch")
	}
	p := body[1:]
	c.Txid = binary.BigEndian.Uint64(p)
	copy(c.Digest[:], p[8:40])
	nops := binary.BigEndian.Uint32(p[40:])
	p = p[44:]
	if uint64(nops) > uint64(len(p))/3 {
		return corrupt("op count")
	}
	c.Ops = make([]Op, 0, nops)
	for i := uint32(0); i < nops; i++ {
		if len(p) < 3 {
			return corrupt("truncated op")
		}
		kind, pl := OpKind(p[0]), int(binary.BigEndian.Uint16(p[1:]))
		p = p[3:]
		if len(p) < pl {
			return corrupt("truncated path")
		}
		op := Op{Kind: kind, Path: string(p[:pl])}
		p = p[pl:]
		if err := ValidatePath(op.Path); err != nil {
			return corrupt(err.Error())
		}
		switch kind {
		case OpSet:
			if len(p) < 4 {
				return corrupt("truncated value")
			}
			vl := binary.BigEndian.Uint32(p)
			p = p[4:]
			if uint64(len(p)) < uint64(vl) {
				return corrupt("truncated value")
			}
			v, err := DecodeValue(p[:vl])
			if err != nil {
				return corrupt(err.Error())
			}
			op.Value = v
			p = p[vl:]
		case OpDelete:
		default:
			return corrupt("unknown op kind")
		}
		c.Ops = append(c.Ops, op)
	}
	if len(p) != 0 {
		return corrupt("trailing bytes")
	}
	return c, nil
}
