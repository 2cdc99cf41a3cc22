package ha

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// MinKeyLen is the shortest cluster key Config.Key accepts (the cluster
// authkey it is derived from must be at least as long; see core/config).
const MinKeyLen = 16

// SessionKeyLen is the length of each direction's frame key (AES-256).
const SessionKeyLen = 32

// Labels that separate the uses of the keys below. Any change is a new
// ProtocolVersion.
const (
	labelCluster = "goha ha cluster key v3"
	labelToken   = "goha ha token key v3"
	labelSession = "goha ha session keys v3"
)

// ClusterKey derives the HA cluster key from the cluster authkey and
// cluster name (HKDF-SHA256). Every value of the handshake depends on it,
// so nobody without the authkey can take part in a handshake or check a
// token guess against one (see the package doc, Authentication).
func ClusterKey(authkey []byte, cluster string) []byte {
	k, err := hkdf.Key(sha256.New, authkey, []byte(labelCluster), cluster, sha256.Size)
	if err != nil { // only for lengths HKDF cannot produce
		panic("ha: " + err.Error())
	}
	return k
}

// tokenKey mixes the token into the cluster key: the key both sides prove
// knowledge of, and from which the session keys come. An empty token
// leaves the cluster key alone in charge (the default when [ha] token is
// not configured).
func tokenKey(clusterKey, token []byte) []byte {
	m := hmac.New(sha256.New, clusterKey)
	m.Write([]byte(labelToken))
	m.Write([]byte{0})
	m.Write(token)
	return m.Sum(nil)
}

// lp appends each part with a 4-byte length, so that no two different
// part lists give the same bytes.
func lp(dst []byte, parts ...[]byte) []byte {
	for _, p := range parts {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(p)))
		dst = append(dst, p...)
	}
	return dst
}

// proof is the handshake MAC of one side ("P" or "S"): HMAC-SHA256 keyed
// by the token key over the side, both nonces and both names.
func proof(tk []byte, side string, nonceS, nonceP []byte, secondary, primary string) []byte {
	m := hmac.New(sha256.New, tk)
	m.Write(lp(nil, []byte(side), nonceS, nonceP, []byte(secondary), []byte(primary)))
	return m.Sum(nil)
}

// SessionKeys are one connection's frame keys, from one side's point of
// view: Send seals the frames it sends, Recv opens the frames it receives.
type SessionKeys struct {
	Send, Recv []byte
}

// sessionKeys derives the two directions' frame keys of a connection
// from the token key and both nonces (HKDF-SHA256): fresh for every
// connection, since each side contributes a random nonce.
func sessionKeys(tk, nonceS, nonceP []byte, secondary, primary string) (sToP, pToS []byte) {
	info := string(lp([]byte(labelSession), []byte(secondary), []byte(primary)))
	k, err := hkdf.Key(sha256.New, tk, lp(nil, nonceS, nonceP), info, 2*SessionKeyLen)
	if err != nil {
		panic("ha: " + err.Error())
	}
	return k[:SessionKeyLen], k[SessionKeyLen:]
}

var errShortKey = errors.New("ha: Config.Key is shorter than MinKeyLen (derive it with ClusterKey)")
