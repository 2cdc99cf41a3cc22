package corosync

import (
	"fmt"
	"strings"
)

// Corosync makes these keys read-only for its IPC clients (exec/main.c at
// v3.1.7): everything under the prefixes, and the exact keys.
var (
	roPrefixes = []string{
		"internal_configuration.", "runtime.services.", "runtime.config.", "runtime.totem.",
		"uidgid.config.", "system.", "nodelist.",
	}
	roExact = map[string]bool{
		"totem.crypto_cipher": true, "totem.crypto_hash": true, "totem.crypto_model": true,
		"totem.keyfile": true, "totem.key": true, "totem.secauth": true, "totem.ip_version": true,
		"totem.rrp_mode": true, "totem.transport": true, "totem.cluster_name": true, "totem.netmtu": true,
		"totem.threads": true, "totem.version": true, "totem.nodeid": true, "totem.clear_node_high_bit": true,
		"quorum.allow_downscale": true, "quorum.wait_for_all": true, "quorum.last_man_standing": true,
		"quorum.last_man_standing_window": true, "quorum.expected_votes_tracking": true,
		"quorum.auto_tie_breaker": true, "quorum.auto_tie_breaker_node": true,
		"config.reload_in_progress": true, "config.totemconfig_reload_in_progress": true,
		"nodelist.local_node_pos": true,
	}
	// gohaReadOnly are keys corosync leaves writable but gohad derives from
	// its own state and republishes: a client write would only lie to the
	// tools that trust them (quorumtool and qdevice read this_node_id).
	gohaReadOnly = []string{"runtime.votequorum.", "runtime.members."}
	// unsupported are keys corosync acts on when written and gohad cannot
	// apply while running: refused rather than stored without effect.
	unsupportedPrefixes = []string{"totem.", "logging.", "runtime.blackbox.", "uidgid.", "resources."}
	unsupportedExact    = map[string]bool{
		"quorum.votes": true, "quorum.leaving_timeout": true,
		"quorum.cancel_wait_for_all": true, "quorum.device.timeout": true,
		"quorum.device.sync_timeout": true, "quorum.device.master_wins": true,
		"runtime.force_gather": true, "quorum.provider": true,
	}
)

// Keys a client write acts on.
const (
	KeyExpectedVotes   = "quorum.expected_votes"
	KeyTwoNode         = "quorum.two_node"
	KeyQDeviceVotes    = "quorum.device.votes"
	KeyShutdownTimeout = "cfg.shutdown_timeout"
	KeyThisNodeID      = "runtime.votequorum.this_node_id"
)

// EffectKind says what gohad must do for a client write before storing it.
type EffectKind int

// Effects of a write.
const (
	EffectNone        EffectKind = iota // store the value
	EffectSetExpected                   // votequorum_setexpected(N), then store
	EffectQDeviceVote                   // votequorum_setvotes(0, N), then store
	EffectTwoNode                       // two_node on (N 1) or off (N 0), then store
)

// Effect is the action a write asks for.
type Effect struct {
	Kind EffectKind
	N    uint32
}

// ReadOnly reports whether clients may not change key (CS_ERR_ACCESS):
// corosync's read-only keys and the runtime keys gohad derives.
func ReadOnly(key string) bool {
	if roExact[key] {
		return true
	}
	for _, p := range roPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	for _, p := range gohaReadOnly {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// CheckWrite decides a client's cmap_set (del false) or cmap_delete (del
// true) of key with value v: an error (ErrAccess for a read-only key,
// checked first as corosync does; ErrNotSupported for a key goha cannot
// apply live; ErrInvalid for a value of the wrong type), or the Effect the
// node must apply before it stores the value.
func CheckWrite(key string, v Value, del bool) (Effect, error) {
	if ReadOnly(key) {
		return Effect{}, fmt.Errorf("%w: %s", ErrAccess, key)
	}
	if unsupportedExact[key] {
		return Effect{}, fmt.Errorf("%w: %s cannot change while gohad runs", ErrNotSupported, key)
	}
	for _, p := range unsupportedPrefixes {
		if strings.HasPrefix(key, p) {
			return Effect{}, fmt.Errorf("%w: %s cannot change while gohad runs", ErrNotSupported, key)
		}
	}
	switch key {
	case KeyExpectedVotes, KeyQDeviceVotes:
		if del {
			return Effect{}, fmt.Errorf("%w: deleting %s", ErrNotSupported, key)
		}
		if v.Type != TypeUint32 {
			return Effect{}, fmt.Errorf("%w: %s is a u32, not %s", ErrInvalid, key, v.Type)
		}
		n, ok := v.Uint()
		if !ok {
			return Effect{}, fmt.Errorf("%w: %s: bad u32", ErrInvalid, key)
		}
		if key == KeyExpectedVotes {
			return Effect{Kind: EffectSetExpected, N: uint32(n)}, nil
		}
		return Effect{Kind: EffectQDeviceVote, N: uint32(n)}, nil
	case KeyTwoNode:
		// votequorum re-reads two_node when the key changes; a deleted key
		// means off.
		if del {
			return Effect{Kind: EffectTwoNode}, nil
		}
		if v.Type != TypeUint8 || len(v.Data) != 1 {
			return Effect{}, fmt.Errorf("%w: %s is a u8, not %s", ErrInvalid, key, v.Type)
		}
		return Effect{Kind: EffectTwoNode, N: uint32(min(v.Data[0], 1))}, nil
	case KeyShutdownTimeout:
		if !del && v.Type != TypeUint32 {
			return Effect{}, fmt.Errorf("%w: %s is a u32 (milliseconds), not %s", ErrInvalid, key, v.Type)
		}
	}
	return Effect{}, nil
}
