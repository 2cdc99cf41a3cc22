package main

import "math"

// noEnd marks a context range that is still open.
const noEnd = math.MaxUint64

// contexts assigns the trackstart context to events by their sequence
// number, as corosync's daemon stamps it into each notification: a range
// added later (a snapshot) takes precedence over an earlier open one (the
// registration), and an event outside every range gets 0.
type contexts struct {
	ranges []ctxRange
}

type ctxRange struct {
	from, to uint64 // inclusive
	ctx      uint64
}

func (c *contexts) add(from, to, ctx uint64) {
	c.ranges = append(c.ranges, ctxRange{from: from, to: to, ctx: ctx})
}

// end closes every open range after sequence number last.
func (c *contexts) end(last uint64) {
	for i := range c.ranges {
		if c.ranges[i].to == noEnd {
			c.ranges[i].to = last
		}
	}
}

// of returns the context of event seq and forgets ranges that end before
// it (events are consumed in order).
func (c *contexts) of(seq uint64) uint64 {
	keep := c.ranges[:0]
	for _, r := range c.ranges {
		if r.to >= seq {
			keep = append(keep, r)
		}
	}
	c.ranges = keep
	for i := len(c.ranges) - 1; i >= 0; i-- {
		if r := c.ranges[i]; r.from <= seq && seq <= r.to {
			return r.ctx
		}
	}
	return 0
}
