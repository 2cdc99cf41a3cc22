package main

// gohactl cdb get|set|delete|dump and gohactl ha status: the config store
// and the HA state of the node (wire.OpCDB*, wire.OpHAStatus).

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/store"
)

const extUsage = `  cdb get PATH                           print the value at PATH
  cdb set PATH VALUE [TYPE]              store VALUE (TYPE: string (default), buf, binary,
                                         int8..int64, uint8..uint64, double, bool, ipv4, ipv6)
  cdb delete PATH                        remove the value at PATH
  cdb dump [PREFIX]                      every entry (under PREFIX): path, type, value
  ha status                              HA role, peers and replication state
`

// extCommand reports whether cmd is handled here.
func extCommand(cmd string) bool { return cmd == "cdb" || cmd == "ha" }

// parseExt checks the arguments of a cdb/ha command before the daemon is
// contacted and returns the function that runs it.
func parseExt(cmd string, rest []string) (func(*client.Client, *options, io.Writer) error, error) {
	sub := ""
	if len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	nargs := func(lo, hi int) error {
		if len(rest) < lo || len(rest) > hi {
			return usageError{fmt.Sprintf("%s %s: wrong number of arguments", cmd, sub)}
		}
		return nil
	}
	switch cmd + " " + sub {
	case "ha status":
		return cmdHAStatus, nargs(0, 0)
	case "cdb get":
		if err := nargs(1, 1); err != nil {
			return nil, err
		}
		return func(c *client.Client, o *options, w io.Writer) error { return cdbGet(c, o, w, rest[0]) }, nil
	case "cdb delete":
		if err := nargs(1, 1); err != nil {
			return nil, err
		}
		return func(c *client.Client, o *options, w io.Writer) error {
			txid, err := c.CDBDelete(rest[0])
			return printTxid(o, w, txid, err)
		}, nil
	case "cdb dump":
		if err := nargs(0, 1); err != nil {
			return nil, err
		}
		prefix := ""
		if len(rest) == 1 {
			prefix = rest[0]
		}
		return func(c *client.Client, o *options, w io.Writer) error { return cdbDump(c, o, w, prefix) }, nil
	case "cdb set":
		if err := nargs(2, 3); err != nil {
			return nil, err
		}
		t := store.TypeString
		if len(rest) == 3 {
			var ok bool
			if t, ok = store.ParseType(rest[2]); !ok {
				return nil, usageError{fmt.Sprintf("cdb set: unknown type %q", rest[2])}
			}
		}
		v, err := store.ParseValue(t, rest[1])
		if err != nil {
			return nil, usageError{fmt.Sprintf("cdb set: %v", err)}
		}
		return func(c *client.Client, o *options, w io.Writer) error {
			txid, err := c.CDBSet(rest[0], v)
			return printTxid(o, w, txid, err)
		}, nil
	}
	return nil, usageError{fmt.Sprintf("unknown command %q", strings.TrimSpace(cmd+" "+sub))}
}

func printTxid(o *options, w io.Writer, txid uint64, err error) error {
	if err != nil || !o.json {
		return err
	}
	return printJSON(w, map[string]uint64{"txid": txid})
}

type jsonEntry struct {
	Path  string `json:"path"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

func cdbGet(c *client.Client, o *options, w io.Writer, path string) error {
	v, err := c.CDBGet(path)
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(w, jsonEntry{path, v.Type().String(), v.String()})
	}
	_, err = fmt.Fprintln(w, v.String())
	return err
}

func cdbDump(c *client.Client, o *options, w io.Writer, prefix string) error {
	txid, es, err := c.CDBDump(prefix)
	if err != nil {
		return err
	}
	if o.json {
		out := struct {
			Txid    uint64      `json:"txid"`
			Entries []jsonEntry `json:"entries"`
		}{Txid: txid, Entries: []jsonEntry{}}
		for _, e := range es {
			out.Entries = append(out.Entries, jsonEntry{e.Path, e.Value.Type().String(), e.Value.String()})
		}
		return printJSON(w, out)
	}
	for _, e := range es {
		if _, err := fmt.Fprintf(w, "%s %s %s\n", e.Path, e.Value.Type(), e.Value); err != nil {
			return err
		}
	}
	return nil
}

// haStateName names a confd_ha_status_state.
func haStateName(s int) string {
	switch s {
	case 1:
		return "none"
	case 2:
		return "secondary"
	case 3:
		return "primary"
	case 4:
		return "relay"
	}
	return "state " + strconv.Itoa(s)
}

func cmdHAStatus(c *client.Client, o *options, w io.Writer) error {
	st, err := c.HAStatus()
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(w, st)
	}
	fmt.Fprintf(w, "Node:         %s\n", st.Name)
	fmt.Fprintf(w, "HA state:     %s\n", haStateName(st.State))
	fmt.Fprintf(w, "Replication:  %s\n", st.Mode)
	fmt.Fprintf(w, "Txid:         %d\n", st.Txid)
	if st.ListenAddr != "" {
		fmt.Fprintf(w, "Listening:    %s\n", st.ListenAddr)
	}
	if st.State == 2 || st.State == 4 {
		fmt.Fprintf(w, "Initialized:  %s\n", yesNo(st.Initialized))
		if len(st.Nodes) > 0 {
			fmt.Fprintf(w, "Primary:      %s (%s)\n", st.Nodes[0].Name, st.Nodes[0].Addr)
		}
	}
	if len(st.Peers) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SECONDARY\tADDR\tIN SYNC\tACKED TXID\n")
	for _, p := range st.Peers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", p.Name, p.Addr, yesNo(p.InSync), p.Acked)
	}
	return tw.Flush()
}
