package corosync

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of the cmap operations. The node maps them to protocol codes and
// capi to cs_error_t (given in each comment).
var (
	// ErrNotExist: no such key, tracker or iterator (CS_ERR_NOT_EXIST).
	ErrNotExist = errors.New("cmap: no such key")
	// ErrInvalid: a bad type, length or value (CS_ERR_INVALID_PARAM).
	ErrInvalid = errors.New("cmap: invalid parameter")
	// ErrNameTooLong: a key name of 256 bytes or more, or a new key whose
	// name is shorter than 3 bytes or uses a character outside
	// [a-zA-Z0-9._/:-] (CS_ERR_NAME_TOO_LONG).
	ErrNameTooLong = errors.New("cmap: bad key name")
	// ErrAccess: the key is read-only (CS_ERR_ACCESS).
	ErrAccess = errors.New("cmap: read-only key")
	// ErrNotSupported: corosync acts on this key at run time and goha
	// cannot (CS_ERR_NOT_SUPPORTED).
	ErrNotSupported = errors.New("cmap: not supported by goha")
	// ErrNoSpace: the map or its tracker list is full (CS_ERR_NO_SPACE).
	ErrNoSpace = errors.New("cmap: map full")
)

// Limits of the key name (CMAP_KEYNAME_MINLEN, CMAP_KEYNAME_MAXLEN) and of
// the map's size (goha's own: corosync has none, but a daemon must not grow
// without bound on a client's request).
const (
	KeyNameMinLen = 3
	KeyNameMaxLen = 255
	MaxKeys       = 1 << 16
	MaxTrackers   = 1 << 14
)

// Track flags (CMAP_TRACK_*): the events a tracker wants, plus Prefix.
const (
	TrackDelete int32 = 1
	TrackModify int32 = 2
	TrackAdd    int32 = 4
	TrackPrefix int32 = 8
	trackAll          = TrackDelete | TrackModify | TrackAdd | TrackPrefix
)

// Tracker is one cmap_track_add registration.
type Tracker struct {
	Owner uint64 // who receives the notifications (a client connection)
	ID    uint64 // the owner's name for the tracker (its track handle)
	Key   string // the key, or the key prefix with TrackPrefix
	Flags int32  // Track* bits
}

// Notification is one change reported to one tracker: Event is exactly
// one of TrackAdd (Old is zero), TrackModify (both set) and TrackDelete
// (New is zero).
type Notification struct {
	Owner    uint64
	Track    uint64
	Event    int32
	Key      string
	New, Old Value
}

// KeyInfo is one key of an iteration: its name, value length and type.
type KeyInfo struct {
	Name string    `msgpack:"n"`
	Len  int       `msgpack:"l"`
	Type ValueType `msgpack:"t"`
}

// Map is corosync's icmap: a set of named, typed values kept in byte order
// of their names, with change tracking. It knows nothing of access rules
// (Service adds those) and is not safe for concurrent use; gohad's node
// loop owns it.
type Map struct {
	vals     map[string]Value
	keys     []string // sorted, the keys of vals
	trackers []Tracker
}

// NewMap returns an empty map.
func NewMap() *Map { return &Map{vals: map[string]Value{}} }

// Len is the number of keys.
func (m *Map) Len() int { return len(m.keys) }

// CheckKeyLen applies the rule every cmap call applies to a key name: less
// than 256 bytes.
func CheckKeyLen(key string) error {
	if len(key) > KeyNameMaxLen {
		return fmt.Errorf("%w: key name of %d bytes (at most %d)", ErrNameTooLong, len(key), KeyNameMaxLen)
	}
	return nil
}

// checkNewKey is the rule for creating a key.
func checkNewKey(key string) error {
	if len(key) < KeyNameMinLen || len(key) > KeyNameMaxLen {
		return fmt.Errorf("%w: key name %q is not %d to %d bytes long", ErrNameTooLong, key, KeyNameMinLen, KeyNameMaxLen)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-' || c == '/' || c == ':') {
			return fmt.Errorf("%w: key name %q holds %q (allowed: letters, digits and ._/:-)", ErrNameTooLong, key, c)
		}
	}
	return nil
}

// Get returns the value of key.
func (m *Map) Get(key string) (Value, error) {
	if err := CheckKeyLen(key); err != nil {
		return Value{}, err
	}
	v, ok := m.vals[key]
	if !ok {
		return Value{}, fmt.Errorf("%w: %s", ErrNotExist, key)
	}
	return v, nil
}

// Set creates or replaces key (cmap_set). Setting the value a key already
// has is a no-op that notifies nobody. The returned notifications are for
// the trackers of the key, in the order corosync calls them.
func (m *Map) Set(key string, v Value) ([]Notification, error) {
	if err := CheckKeyLen(key); err != nil {
		return nil, err
	}
	nv, err := normalize(v)
	if err != nil {
		return nil, err
	}
	old, exists := m.vals[key]
	if exists && old.Equal(nv) {
		return nil, nil
	}
	if !exists {
		if err := checkNewKey(key); err != nil {
			return nil, err
		}
		if len(m.keys) >= MaxKeys {
			return nil, fmt.Errorf("%w: %d keys", ErrNoSpace, len(m.keys))
		}
		i, _ := slices.BinarySearch(m.keys, key)
		m.keys = slices.Insert(m.keys, i, key)
	}
	m.vals[key] = nv
	if exists {
		return m.notify(TrackModify, key, nv, old), nil
	}
	return m.notify(TrackAdd, key, nv, Value{}), nil
}

// Delete removes key (cmap_delete).
func (m *Map) Delete(key string) ([]Notification, error) {
	if err := CheckKeyLen(key); err != nil {
		return nil, err
	}
	old, ok := m.vals[key]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, key)
	}
	delete(m.vals, key)
	i, _ := slices.BinarySearch(m.keys, key)
	m.keys = slices.Delete(m.keys, i, i+1)
	return m.notify(TrackDelete, key, Value{}, old), nil
}

// Adjust adds step to an integer key (cmap_inc, cmap_dec), wrapping at the
// type's width.
func (m *Map) Adjust(key string, step int64) ([]Notification, error) {
	v, err := m.Get(key)
	if err != nil {
		return nil, err
	}
	nv, err := adjust(v, step)
	if err != nil {
		return nil, err
	}
	return m.Set(key, nv)
}

// Iter lists up to max keys that start with prefix and sort after the key
// after ("" starts at the beginning), in byte order, and whether more
// follow. Paging with after = the last key returned walks the map as it is
// at each call, as corosync's live iterator does.
func (m *Map) Iter(prefix, after string, max int) (keys []KeyInfo, more bool) {
	start := prefix
	if after > start {
		start = after
	}
	i, found := slices.BinarySearch(m.keys, start)
	if found && start == after {
		i++
	}
	for ; i < len(m.keys); i++ {
		k := m.keys[i]
		if !strings.HasPrefix(k, prefix) {
			break
		}
		if len(keys) == max {
			return keys, true
		}
		v := m.vals[k]
		keys = append(keys, KeyInfo{Name: k, Len: v.Len(), Type: v.Type})
	}
	return keys, false
}

// Track adds a tracker (cmap_track_add). The key need not exist. Flags must
// be a subset of the Track* bits; 0 is accepted (it never fires). An owner
// may track one key any number of times, but its tracker ids are unique.
func (m *Map) Track(t Tracker) error {
	if err := CheckKeyLen(t.Key); err != nil {
		return err
	}
	if t.Flags&^trackAll != 0 {
		return fmt.Errorf("%w: track flags %#x", ErrInvalid, t.Flags)
	}
	if len(m.trackers) >= MaxTrackers {
		return fmt.Errorf("%w: %d trackers", ErrNoSpace, len(m.trackers))
	}
	for _, o := range m.trackers {
		if o.Owner == t.Owner && o.ID == t.ID {
			return fmt.Errorf("%w: tracker %d exists", ErrInvalid, t.ID)
		}
	}
	m.trackers = append(m.trackers, t)
	return nil
}

// Untrack removes the tracker id of owner (cmap_track_delete).
func (m *Map) Untrack(owner, id uint64) error {
	for i, t := range m.trackers {
		if t.Owner == owner && t.ID == id {
			m.trackers = slices.Delete(m.trackers, i, i+1)
			return nil
		}
	}
	return fmt.Errorf("%w: tracker %d", ErrNotExist, id)
}

// DropOwner removes every tracker of owner (its connection closed).
func (m *Map) DropOwner(owner uint64) {
	m.trackers = slices.DeleteFunc(m.trackers, func(t Tracker) bool { return t.Owner == owner })
}

// Trackers returns the number of trackers of owner.
func (m *Map) Trackers(owner uint64) int {
	n := 0
	for _, t := range m.trackers {
		if t.Owner == owner {
			n++
		}
	}
	return n
}

// notify returns the notifications of one change in libqb's order (the
// trie that backs corosync's icmap): first the trackers registered on the
// key itself, exact ones newest first and then prefix ones oldest first;
// then the prefix trackers of ever shorter prefixes of the key, oldest
// first within each.
func (m *Map) notify(event int32, key string, nv, old Value) []Notification {
	var out []Notification
	add := func(t Tracker) {
		if t.Flags&event != 0 {
			out = append(out, Notification{Owner: t.Owner, Track: t.ID, Event: event, Key: key, New: nv, Old: old})
		}
	}
	for i := len(m.trackers) - 1; i >= 0; i-- {
		if t := m.trackers[i]; t.Key == key && t.Flags&TrackPrefix == 0 {
			add(t)
		}
	}
	var prefixed []Tracker
	for _, t := range m.trackers {
		if t.Flags&TrackPrefix != 0 && strings.HasPrefix(key, t.Key) {
			prefixed = append(prefixed, t)
		}
	}
	// Longest prefix first; the stable sort keeps registration order.
	slices.SortStableFunc(prefixed, func(a, b Tracker) int { return len(b.Key) - len(a.Key) })
	for _, t := range prefixed {
		add(t)
	}
	return out
}
