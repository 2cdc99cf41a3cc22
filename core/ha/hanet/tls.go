package hanet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/goha/goha/core/ha"
)

// TLSConfig loads a node's certificate and key and the cluster's CA
// bundle (PEM files: [ha] tls_cert, tls_key, tls_ca) into a mutual TLS 1.3
// configuration for both ends of replication: as listener it requires a
// client certificate issued by the CA; as dialer it presents its own and
// checks the primary's (see clientTLS). A node both serves and dials, so
// its certificate needs both the serverAuth and the clientAuth extended
// key usage.
func TLSConfig(certFile, keyFile, caFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("ha.tls_cert %s, ha.tls_key %s: %w", certFile, keyFile, err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ha.tls_ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ha.tls_ca %s: no PEM certificate in it", caFile)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		RootCAs:      pool,
	}, nil
}

// clientTLS is base for dialing the primary d: the primary's certificate
// must chain to the CA and name either the host of its HA address or its
// HA node name (node certificates often carry only one of the two).
func clientTLS(base *tls.Config, d ha.Dial) *tls.Config {
	c := base.Clone()
	host, _, err := net.SplitHostPort(d.Addr)
	if err != nil {
		host = d.Addr
	}
	roots := base.RootCAs
	if len(base.Certificates) > 0 {
		// Present our certificate even if the primary asks for another
		// CA's: its refusal then names the real cause ("unknown
		// authority") instead of "no certificate".
		cert := base.Certificates[0]
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	c.InsecureSkipVerify = true // replaced by VerifyConnection below, which checks the chain and names
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errNoCert
		}
		leaf := cs.PeerCertificates[0]
		inter := x509.NewCertPool()
		for _, ic := range cs.PeerCertificates[1:] {
			inter.AddCert(ic)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		if leaf.VerifyHostname(host) != nil && leaf.VerifyHostname(d.Name) != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates,
				Err: fmt.Errorf("certificate is for neither %q nor %q", host, d.Name)}
		}
		return nil
	}
	return c
}

var errNoCert = errors.New("hanet: the primary presented no certificate")

// badCertificate reports whether a TLS error means that a certificate was
// refused, by us or by the peer (its alert).
func badCertificate(err error) bool {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) || errors.Is(err, errNoCert) {
		return true
	}
	// crypto/tls reports a peer's alert as a net.OpError "remote error"
	// wrapping an unexported alert type: only its text tells them apart.
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		return certAlerts[oe.Err.Error()]
	}
	return false
}

// certAlerts are the texts of the TLS alerts that refuse a certificate.
var certAlerts = map[string]bool{
	"tls: bad certificate": true, "tls: unsupported certificate": true, "tls: revoked certificate": true,
	"tls: expired certificate": true, "tls: unknown certificate": true, "tls: unknown certificate authority": true,
	"tls: certificate required": true, "tls: access denied": true,
}
