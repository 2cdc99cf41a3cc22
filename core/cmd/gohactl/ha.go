package main

// gohactl ha status and the HA role commands (wire.OpHA*). Role commands
// are taken only from the node's HA control connection, so gohactl first
// makes its connection that (confd_ha_connect with the token): like a new
// confd_ha_connect, this closes the control connection of an HA framework
// that is running, which must then reconnect.

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/wire"
)

// Where the HA token comes from.
const (
	EnvHAToken    = "GOHA_HA_TOKEN"
	EnvConfig     = "GOHA_CONFIG"
	DefaultConfig = "/etc/goha/goha.toml"
)

// haToken returns $GOHA_HA_TOKEN, else the [ha] token of the config file.
func haToken(o *options) (string, error) {
	if t := os.Getenv(EnvHAToken); t != "" {
		return t, nil
	}
	path := o.config
	if path == "" {
		path = os.Getenv(EnvConfig)
	}
	if path == "" {
		path = DefaultConfig
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", usageError{fmt.Sprintf("the HA token: %v (set %s, or --config FILE with the cluster config)", err, EnvHAToken)}
	}
	return cfg.HA.Token, nil
}

func cmdHAStatus(x *ctx) error {
	st, err := x.c.HAStatus()
	if err != nil {
		return err
	}
	if x.o.json {
		return x.print(haStatusOf(st))
	}
	return writeHAStatus(x, st)
}

func writeHAStatus(x *ctx, st *wire.HAStatus) error {
	h := haStatusOf(st)
	fmt.Fprintf(x.w, "Node:          %s\n", h.Node)
	fmt.Fprintf(x.w, "Mode:          %s\n", h.Mode)
	fmt.Fprintf(x.w, "HA state:      %s\n", h.HAState)
	fmt.Fprintf(x.w, "Replication:   %s\n", h.Replication)
	fmt.Fprintf(x.w, "Txid:          %d\n", h.Txid)
	if a := h.Auto; a != nil {
		writeHAAuto(x, a)
	}
	if h.Listen != "" {
		fmt.Fprintf(x.w, "Listening:     %s\n", h.Listen)
	}
	if h.Primary != nil {
		fmt.Fprintf(x.w, "Primary:       %s (%s)\n", h.Primary.Name, h.Primary.Addr)
		fmt.Fprintf(x.w, "Initialized:   %s\n", yesNo(h.Initialized))
	}
	if len(h.Secondaries) == 0 {
		return nil
	}
	fmt.Fprintln(x.w)
	tw := tabwriter.NewWriter(x.w, 0, 0, 2, ' ', 0)
	if h.Auto != nil {
		fmt.Fprintln(tw, "Secondary\tAddr\tIn sync\tPublished\tRequired\tAcked txid\tLag")
		for _, p := range h.Secondaries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", p.Name, p.Addr, yesNo(p.InSync), yesNo(p.Published), yesNo(p.Required), p.AckedTxid, p.Lag)
		}
		return tw.Flush()
	}
	fmt.Fprintln(tw, "Secondary\tAddr\tIn sync\tAcked txid\tLag")
	for _, p := range h.Secondaries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", p.Name, p.Addr, yesNo(p.InSync), p.AckedTxid, p.Lag)
	}
	return tw.Flush()
}

// writeHAAuto prints auto mode's part of ha status.
func writeHAAuto(x *ctx, a *haAutoJSON) {
	primary := a.Primary
	if primary == "" {
		primary = "(none elected)"
	}
	fmt.Fprintf(x.w, "Epoch:         %d\n", a.Epoch)
	fmt.Fprintf(x.w, "Cluster primary: %s\n", primary)
	fmt.Fprintf(x.w, "In sync:       %s (min_sync %d)\n", strings.Join(a.Sync, " "), a.MinSync)
	if a.Witness {
		fmt.Fprintf(x.w, "Witness:       yes (keeps no store)\n")
	}
	if a.Writable {
		fmt.Fprintf(x.w, "Writable:      yes\n")
	} else {
		fmt.Fprintf(x.w, "Writable:      no (%s)\n", a.Why)
	}
	if len(a.Discarded) == 2 {
		fmt.Fprintf(x.w, "Discarded:     local txids %d..%d (never acknowledged; replaced by a copy from the primary)\n", a.Discarded[0], a.Discarded[1])
	}
}

// haRole connects as the HA control connection and runs fn; then it prints
// the outcome (JSON: the HA status after the command).
func haRole(x *ctx, fn func() error, outcome func(h haStatusJSON) string) error {
	tok, err := haToken(x.o)
	if err != nil {
		return err
	}
	if err := x.c.HAConnect(tok); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	st, err := x.c.HAStatus()
	if err != nil {
		return err
	}
	if x.o.json {
		return x.print(haStatusOf(st))
	}
	_, err = fmt.Fprintln(x.w, outcome(haStatusOf(st)))
	return err
}

func haNoArgs(fn func(*ctx) error) func([]string) (func(*ctx) error, error) { return noArgs(fn) }

func selfName(x *ctx) string { return x.c.Server().NodeName }

func haBePrimary(x *ctx) error {
	return haRole(x, func() error { return x.c.BePrimary(selfName(x)) }, func(h haStatusJSON) string {
		return fmt.Sprintf("%s is now the HA primary, listening on %s", h.Node, h.Listen)
	})
}

func haBeRelay(x *ctx) error {
	return haRole(x, x.c.BeRelay, func(h haStatusJSON) string {
		return fmt.Sprintf("%s is now an HA relay, listening on %s", h.Node, h.Listen)
	})
}

func haBeNone(x *ctx) error {
	return haRole(x, x.c.BeNone, func(h haStatusJSON) string { return fmt.Sprintf("%s has left HA (state none)", h.Node) })
}

func parseBeSecondary(args []string) (func(*ctx) error, error) {
	var primary, addr string
	async := false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--async":
			async = true
		case a == "--addr" && i+1 < len(args):
			addr = args[i+1]
			i++
		case strings.HasPrefix(a, "--addr="):
			addr = strings.TrimPrefix(a, "--addr=")
		case strings.HasPrefix(a, "-"):
			return nil, usageError{fmt.Sprintf("unknown option %s: want PRIMARY [--addr A] [--async]", a)}
		case primary == "":
			primary = a
		default:
			return nil, usageError{"want PRIMARY [--addr A] [--async]"}
		}
	}
	if primary == "" {
		return nil, usageError{"want PRIMARY [--addr A] [--async]: the name of the primary node"}
	}
	return func(x *ctx) error {
		if !async && !x.o.timeoutSet {
			// The initial sync may copy the whole store.
			x.c.SetTimeout(2 * time.Minute)
		}
		return haRole(x, func() error { return x.c.BeSecondary(selfName(x), primary, addr, !async) }, func(h haStatusJSON) string {
			if async {
				return fmt.Sprintf("%s is connecting to primary %s in the background; gohactl watch shows BESECONDARY_RESULT", h.Node, primary)
			}
			return fmt.Sprintf("%s is now an HA secondary of %s, initialized at txid %d", h.Node, primary, h.Txid)
		})
	}, nil
}

func parseSecondaryDead(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 1, 1, "NODE"); err != nil {
		return nil, err
	}
	return func(x *ctx) error {
		return haRole(x, func() error { return x.c.SecondaryDead(args[0]) }, func(h haStatusJSON) string {
			return fmt.Sprintf("%s dropped secondary %s", h.Node, args[0])
		})
	}, nil
}
