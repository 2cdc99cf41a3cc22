package hanet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
)

// testCA is a certificate authority for tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// files writes a node certificate (for name and 127.0.0.1, both key
// usages) and this CA's bundle into dir and returns the three paths.
func (ca *testCA) files(t testing.TB, dir, name string, trust *testCA) (cert, key, bundle string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{name}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	cert, key, bundle = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key"), filepath.Join(dir, name+"-ca.crt")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	os.WriteFile(bundle, trust.pem, 0o644)
	return cert, key, bundle
}

func (ca *testCA) config(t testing.TB, name string, trust *testCA) *tls.Config {
	t.Helper()
	c, err := TLSConfig(ca.files(t, t.TempDir(), name, trust))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTLSReplication: with [ha] tls_*, replication runs over mutual TLS
// 1.3. A secondary whose certificate another CA issued, or that trusts
// another CA than the one of the primary's certificate, fails besecondary
// with CONFD_ERR_HA_BADTOKEN, and each side logs the refusal; a plain
// secondary cannot talk to a TLS primary at all.
func TestTLSReplication(t *testing.T) {
	ca, other := newTestCA(t, "cluster CA"), newTestCA(t, "another CA")
	p := startNode(t, "p", opt{tls: ca.config(t, "p", ca)})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.rt.Set("/a", store.String("over TLS")); err != nil {
		t.Fatal(err)
	}
	s := startNode(t, "s", opt{tls: ca.config(t, "s", ca)})
	if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := p.rt.Set("/b", store.String("streamed")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the commit on the secondary", func() bool { v, err := s.st.Get("/b"); return err == nil && v.String() == "streamed" })
	if !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s.st)) {
		t.Fatal("the secondary differs from the primary")
	}

	logs := func(n *tnode) string {
		n.mu.Lock()
		defer n.mu.Unlock()
		return strings.Join(n.logs, "\n")
	}
	// Its certificate from another CA: the primary refuses it.
	foreign := startNode(t, "foreign", opt{tls: other.config(t, "foreign", ca)})
	if err := foreign.rt.BeSecondary("foreign", "p", p.rt.Addr(), true); !errors.Is(err, ha.ErrHABadToken) {
		t.Fatalf("a secondary with another CA's certificate: %v", err)
	}
	waitFor(t, "the primary's log line", func() bool { return strings.Contains(logs(p), "refused a TLS connection") })
	// It trusts another CA: it refuses the primary.
	wary := startNode(t, "wary", opt{tls: ca.config(t, "wary", other)})
	if err := wary.rt.BeSecondary("wary", "p", p.rt.Addr(), true); !errors.Is(err, ha.ErrHABadToken) {
		t.Fatalf("a secondary that trusts another CA: %v", err)
	}
	if !strings.Contains(logs(wary), "TLS handshake with primary p") {
		t.Errorf("the secondary did not log why:\n%s", logs(wary))
	}
	// Plain against TLS.
	plain := startNode(t, "plain", opt{})
	if err := plain.rt.BeSecondary("plain", "p", p.rt.Addr(), true); err == nil {
		t.Fatal("a plain secondary synced from a TLS primary")
	}
	if st := p.rt.Status(); len(st.Peers) != 1 || st.Peers[0].Name != "s" {
		t.Fatalf("primary's secondaries: %+v", st.Peers)
	}
}
