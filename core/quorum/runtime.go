package quorum

import "fmt"

// ApplyTwoNode switches two_node at run time, as corosync's config reload
// does (two_node is one of the four quorum settings it re-reads; see
// spec/votequorum.md "Startup-only versus runtime options"): the option
// changes and quorum is recalculated, allowed to decrease (two_node lowers
// it to 1 while at most two voting entities are present). wait_for_all is
// read-only at run time, so it keeps its value. As in corosync, a quorum
// device cannot operate under two_node (QDevice.Disabled: register, poll
// and master_wins fail with ErrAccess). two_node with auto_tie_breaker,
// which corosync disables, is refused with ErrInvalidParam.
func ApplyTwoNode(in Input, on bool) (Result, error) {
	if on && in.Options.AutoTieBreaker != ATBNone {
		return Result{}, fmt.Errorf("%w: two_node is not compatible with auto_tie_breaker", ErrInvalidParam)
	}
	work := in
	work.Options.TwoNode = on
	work.QDevice.Disabled = on
	return Recalculate(work, true, false), nil
}
