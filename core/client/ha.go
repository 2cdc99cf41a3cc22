package client

import (
	"fmt"

	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// HA control and config store calls (wire.OpHA*, wire.OpCDB*). A failure
// is an *Error whose Code says what failed (wire.CodeNotWritable,
// wire.CodeHABadToken, ...; CodeOf(err) returns it).

// HAConnect makes this connection the node's HA control connection with
// token (the previous one is closed by the daemon).
func (c *Client) HAConnect(token string) error {
	return c.Call(wire.OpHAConnect, &wire.HAConnectArg{Token: token}, nil)
}

// BePrimary makes the node primary; name must be the node's own.
func (c *Client) BePrimary(name string) error {
	return c.Call(wire.OpHABePrimary, &wire.HANameArg{Name: name}, nil)
}

// BeSecondary makes the node (name) a secondary of primary; host is used
// only if the config has no node called primary. With wait it returns once
// the initial sync is done (mind the client timeout).
func (c *Client) BeSecondary(name, primary, host string, wait bool) error {
	return c.Call(wire.OpHABeSecondary, &wire.HABeSecondaryArg{Name: name, Primary: primary, Host: host, Wait: wait}, nil)
}

// BeRelay makes a secondary a relay.
func (c *Client) BeRelay() error { return c.Call(wire.OpHABeRelay, nil, nil) }

// BeNone leaves HA.
func (c *Client) BeNone() error { return c.Call(wire.OpHABeNone, nil, nil) }

// SecondaryDead tells a primary that secondary name is dead.
func (c *Client) SecondaryDead(name string) error {
	return c.Call(wire.OpHASecondaryDead, &wire.HANameArg{Name: name}, nil)
}

// HAStatus returns the node's HA state.
func (c *Client) HAStatus() (*wire.HAStatus, error) {
	st := new(wire.HAStatus)
	if err := c.Call(wire.OpHAStatus, nil, st); err != nil {
		return nil, err
	}
	return st, nil
}

// HANotify subscribes this connection to HA notifications (Events of kind
// wire.EvHA; decode with HAEventOf). With sync, every event must be
// acknowledged with HASyncAck before the daemon delivers the next one.
func (c *Client) HANotify(sync bool) error {
	return c.Call(wire.OpHANotify, &wire.HANotifyArg{Sync: sync}, nil)
}

// HASyncAck acknowledges the last HA notification.
func (c *Client) HASyncAck() error { return c.Call(wire.OpHASyncAck, nil, nil) }

// HAEventOf decodes an event of kind wire.EvHA.
func HAEventOf(ev Event) (wire.HAEvent, error) {
	var e wire.HAEvent
	if ev.Kind != wire.EvHA {
		return e, fmt.Errorf("event %q is not an HA event", ev.Kind)
	}
	if err := wire.DecodeBody(ev.Raw, &e); err != nil {
		return e, fmt.Errorf("%w: HA event: %v", ErrProtocol, err)
	}
	return e, nil
}

// CDBGet reads path from the node's config store.
func (c *Client) CDBGet(path string) (store.Value, error) {
	var r wire.CDBValue
	if err := c.Call(wire.OpCDBGet, &wire.CDBPathArg{Path: path}, &r); err != nil {
		return store.Value{}, err
	}
	v, err := store.DecodeValue(r.Value)
	if err != nil {
		return store.Value{}, fmt.Errorf("%w: cdb.get %s: %v", ErrProtocol, path, err)
	}
	return v, nil
}

// CDBSet writes path and returns the commit's txid (in sync mode once every
// in-sync secondary has it).
func (c *Client) CDBSet(path string, v store.Value) (uint64, error) {
	var r wire.CDBTxid
	err := c.Call(wire.OpCDBSet, &wire.CDBSetArg{Path: path, Value: v.Encode()}, &r)
	return r.Txid, err
}

// CDBDelete removes path and returns the commit's txid.
func (c *Client) CDBDelete(path string) (uint64, error) {
	var r wire.CDBTxid
	err := c.Call(wire.OpCDBDelete, &wire.CDBPathArg{Path: path}, &r)
	return r.Txid, err
}

// CDBEntry is one decoded entry of CDBDump.
type CDBEntry struct {
	Path  string
	Value store.Value
}

// CDBDump returns every entry under prefix ("" for all) and the store's
// txid, from one consistent read.
func (c *Client) CDBDump(prefix string) (uint64, []CDBEntry, error) {
	var r wire.CDBEntries
	if err := c.Call(wire.OpCDBDump, &wire.CDBPathArg{Path: prefix}, &r); err != nil {
		return 0, nil, err
	}
	out := make([]CDBEntry, 0, len(r.Entries))
	for _, e := range r.Entries {
		v, err := store.DecodeValue(e.Value)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: cdb.dump %s: %v", ErrProtocol, e.Path, err)
		}
		out = append(out, CDBEntry{Path: e.Path, Value: v})
	}
	return r.Txid, out, nil
}
