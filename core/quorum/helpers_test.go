package quorum

import (
	"slices"
	"testing"
)

// view builds an Input: the given members (1 vote each unless votes says
// otherwise) and dead nodes, every node advertising expected votes ev,
// current and previous membership = members.
func view(self, ev uint32, members, dead []uint32, opts Options) Input {
	in := Input{Self: self, Options: opts, Members: slices.Clone(members), PreviousMembers: slices.Clone(members)}
	for _, id := range members {
		in.Nodes = append(in.Nodes, Node{ID: id, State: StateMember, Votes: 1, ExpectedVotes: ev})
	}
	for _, id := range dead {
		in.Nodes = append(in.Nodes, Node{ID: id, State: StateDead, Votes: 1, ExpectedVotes: ev})
	}
	in.WaitForAllStatus = opts.WaitForAll
	in.EVBarrier = ev
	return in
}

func ids(from, to uint32) []uint32 {
	var out []uint32
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// settle runs Calculate and stores the result.
func settle(in Input) (Input, Result) {
	r := Calculate(in)
	return in.Apply(r), r
}

// split moves the view to members (as a membership transition: SyncInit,
// then Calculate) and returns the new Input, the Result and whether the
// last_man_standing timer must be armed.
func split(in Input, members []uint32) (Input, Result, bool) {
	next, arm := SyncInit(in, members)
	// The members' node-info messages would mark joiners as members.
	for _, id := range members {
		if n := findNode(next.Nodes, id); n != nil {
			n.State = StateMember
		}
	}
	r := Calculate(next)
	return next.Apply(r), r, arm
}

func nodeOf(t *testing.T, nodes []Node, id uint32) Node {
	t.Helper()
	n := findNode(nodes, id)
	if n == nil {
		t.Fatalf("node %d missing", id)
	}
	return *n
}

type want struct {
	quorate         bool
	quorum, total   uint32
	expected        uint32
	highestExpected uint32
	flags           uint32
}

func check(t *testing.T, r Result, w want) {
	t.Helper()
	got := want{r.Quorate, r.Quorum, r.TotalVotes, r.ExpectedVotes, r.HighestExpected, r.Flags}
	if w.highestExpected == 0 {
		got.highestExpected = 0
	}
	if got != w {
		t.Fatalf("got  %+v\nwant %+v", got, w)
	}
}
