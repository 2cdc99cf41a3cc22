package membership

// bitset is a set of node indexes (positions in the sorted configured node
// list), encoded as in Message.Hears.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) has(i int) bool {
	w := i / 64
	return w < len(b) && b[w]&(1<<(uint(i)%64)) != 0
}

func (b bitset) set(i int) { b[i/64] |= 1 << (uint(i) % 64) }

func (b bitset) count() int {
	c := 0
	for _, w := range b {
		for ; w != 0; w &= w - 1 {
			c++
		}
	}
	return c
}

// covers reports whether b holds every element of o.
func (b bitset) covers(o bitset) bool {
	for i, w := range o {
		var have uint64
		if i < len(b) {
			have = b[i]
		}
		if w&^have != 0 {
			return false
		}
	}
	return true
}
