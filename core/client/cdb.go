package client

import (
	"fmt"

	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// Config store change subscriptions (wire.OpCDBWatch) and the ConfD CDB
// calls that have no older counterpart here.

// Change is one path's change in a ChangeEvent: Old or New is the zero
// store.Value when the path had or has no value.
type Change struct {
	Path     string
	Old, New store.Value
}

// ChangeEvent is one decoded wire.EvCDBChange: a transaction (Txid), or a
// full copy installed from the HA primary (Reset, Changes its difference
// when Complete), or, with Resync, a notice that the subscriber must
// re-read what it depends on (what changed is not known). A Reset's
// Discarded [from, to], when not zero, withdraws the transactions with
// those txids delivered before it (never acknowledged: the copy's history
// does not hold them; Changes undo them).
type ChangeEvent struct {
	Txid, Prev uint64
	Reset      bool
	Resync     bool
	Discarded  [2]uint64
	Changes    []Change
}

// CDBWatch makes this connection a change subscription for paths under
// prefix ("" for all): Events then carry one wire.EvCDBChange per
// transaction with changes there (decode with ChangeEventOf). With resume,
// it starts after transaction after and first replays what followed it,
// or sends a Resync notice if that is no longer known; without, it starts
// at the current transaction. It returns the txid it starts after.
func (c *Client) CDBWatch(prefix string, resume bool, after uint64) (uint64, error) {
	var r wire.CDBWatchResult
	err := c.Call(wire.OpCDBWatch, &wire.CDBWatchArg{Prefix: prefix, Resume: resume, After: after}, &r)
	return r.Txid, err
}

// ChangeEventOf decodes an event of kind wire.EvCDBChange.
func ChangeEventOf(ev Event) (ChangeEvent, error) {
	var w wire.CDBChangeEvent
	if ev.Kind != wire.EvCDBChange {
		return ChangeEvent{}, fmt.Errorf("event %q is not a config store change", ev.Kind)
	}
	if err := wire.DecodeBody(ev.Raw, &w); err != nil {
		return ChangeEvent{}, fmt.Errorf("%w: change event: %v", ErrProtocol, err)
	}
	return DecodeChangeEvent(&w)
}

// DecodeChangeEvent decodes the values of a wire.CDBChangeEvent.
func DecodeChangeEvent(w *wire.CDBChangeEvent) (ChangeEvent, error) {
	e := ChangeEvent{Txid: w.Txid, Prev: w.Prev, Reset: w.Reset, Resync: w.Resync || w.Reset && !w.Complete, Discarded: w.Discarded}
	for _, wc := range w.Changes {
		c := Change{Path: wc.Path}
		var err error
		if len(wc.Old) > 0 {
			if c.Old, err = store.DecodeValue(wc.Old); err != nil {
				return e, fmt.Errorf("%w: change of %s: %v", ErrProtocol, wc.Path, err)
			}
		}
		if len(wc.New) > 0 {
			if c.New, err = store.DecodeValue(wc.New); err != nil {
				return e, fmt.Errorf("%w: change of %s: %v", ErrProtocol, wc.Path, err)
			}
		}
		e.Changes = append(e.Changes, c)
	}
	return e, nil
}

// CDBExists reports whether path holds a value or has paths below it.
func (c *Client) CDBExists(path string) (bool, error) {
	var r wire.CDBBool
	err := c.Call(wire.OpCDBExists, &wire.CDBPathArg{Path: path}, &r)
	return r.Yes, err
}

// CDBSetText sets path from text, parsed as the type of the value there
// (a new path becomes a C_BUF), and returns the commit's txid.
func (c *Client) CDBSetText(path, text string) (uint64, error) {
	var r wire.CDBTxid
	err := c.Call(wire.OpCDBSetText, &wire.CDBSetTextArg{Path: path, Text: text}, &r)
	return r.Txid, err
}
