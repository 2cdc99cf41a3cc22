package main

// gohactl cdb get|set|delete|dump: the config store (wire.OpCDB*).

import (
	"fmt"
	"strings"

	"github.com/goha/goha/core/store"
)

func parseCDBGet(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 1, 1, "PATH"); err != nil {
		return nil, err
	}
	return func(x *ctx) error {
		v, err := x.c.CDBGet(args[0])
		if err != nil {
			return err
		}
		if x.o.json {
			return x.print(entryOf(args[0], v))
		}
		_, err = fmt.Fprintln(x.w, v.String())
		return err
	}, nil
}

func parseCDBSet(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 2, 3, "PATH VALUE [TYPE]"); err != nil {
		return nil, err
	}
	t := store.TypeString
	if len(args) == 3 {
		var ok bool
		if t, ok = store.ParseType(args[2]); !ok {
			return nil, usageError{fmt.Sprintf("unknown type %q: want string, buf, binary, int8, int16, int32, int64, uint8, uint16, uint32, uint64, double, bool, ipv4 or ipv6", args[2])}
		}
	}
	v, err := store.ParseValue(t, args[1])
	if err != nil {
		return nil, usageError{strings.TrimPrefix(err.Error(), store.ErrBadValue.Error()+": ")}
	}
	return func(x *ctx) error {
		txid, err := x.c.CDBSet(args[0], v)
		if err != nil {
			return err
		}
		if x.o.json {
			return x.print(cdbWriteJSON{Path: args[0], Txid: txid})
		}
		_, err = fmt.Fprintf(x.w, "%s = %s (%s), txid %d\n", args[0], v, v.Type(), txid)
		return err
	}, nil
}

func parseCDBDelete(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 1, 1, "PATH"); err != nil {
		return nil, err
	}
	return func(x *ctx) error {
		txid, err := x.c.CDBDelete(args[0])
		if err != nil {
			return err
		}
		if x.o.json {
			return x.print(cdbWriteJSON{Path: args[0], Txid: txid})
		}
		_, err = fmt.Fprintf(x.w, "%s deleted, txid %d\n", args[0], txid)
		return err
	}, nil
}

func parseCDBDump(args []string) (func(*ctx) error, error) {
	if err := wantArgs(args, 0, 1, "[PREFIX]"); err != nil {
		return nil, err
	}
	prefix := ""
	if len(args) == 1 {
		prefix = args[0]
	}
	return func(x *ctx) error {
		txid, es, err := x.c.CDBDump(prefix)
		if err != nil {
			return err
		}
		if x.o.json {
			out := cdbDumpJSON{Txid: txid, Entries: []cdbEntryJSON{}}
			for _, e := range es {
				out.Entries = append(out.Entries, entryOf(e.Path, e.Value))
			}
			return x.print(out)
		}
		for _, e := range es {
			if _, err := fmt.Fprintf(x.w, "%s %s %s\n", e.Path, e.Value.Type(), e.Value); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
