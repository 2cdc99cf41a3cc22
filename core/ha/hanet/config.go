package hanet

import (
	"fmt"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
)

// FromConfig builds the runtime configuration of node name from the cluster
// config: its ha_addr, the HA cluster key from the authkey and cluster
// name, [ha] token, tick_timeout and replication, and with [ha] tls_cert,
// tls_key and tls_ca the mutual TLS configuration (loaded here: a bad
// file is an error). schemaID identifies the data model the daemon serves
// (peers must agree).
func FromConfig(c *config.Config, name string, st *store.Store, schemaID string) (Config, error) {
	n, ok := c.NodeByName(name)
	if !ok {
		return Config{}, fmt.Errorf("hanet: no [[node]] named %q in the config", name)
	}
	mode, err := ha.ParseMode(c.HA.Replication)
	if err != nil {
		return Config{}, err
	}
	rc := Config{
		Name: name, ListenAddr: n.HAAddr, Key: ha.ClusterKey([]byte(c.AuthKey), c.ClusterName),
		Token: c.HA.Token, TickTimeout: c.HA.TickTimeout, Mode: mode, SchemaID: schemaID, Store: st,
	}
	if c.HA.TLSCert != "" {
		if rc.TLS, err = TLSConfig(c.HA.TLSCert, c.HA.TLSKey, c.HA.TLSCA); err != nil {
			return Config{}, err
		}
	}
	return rc, nil
}

// HAAddrs maps every node's config name to its ha_addr, for
// ResolvePrimaryAddr.
func HAAddrs(c *config.Config) map[string]string {
	m := make(map[string]string, len(c.Nodes))
	for _, n := range c.Nodes {
		m[n.Name] = n.HAAddr
	}
	return m
}
