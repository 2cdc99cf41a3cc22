package main

// gohactl cdb get|set|delete|dump|watch: the config store (wire.OpCDB*).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/goha/goha/core/client"
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

// watchArgs are the arguments of cdb watch.
type watchArgs struct {
	prefix string
	resume bool
	after  uint64
	count  int // 0: until interrupted
}

const watchSynopsis = "[PREFIX] [--after TXID] [--count N]"

func parseCDBWatch(args []string) (func(*ctx) error, error) {
	var wa watchArgs
	bad := func(msg string) (func(*ctx) error, error) {
		return nil, usageError{msg + ": want " + watchSynopsis}
	}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--after" || a == "--count":
			if i+1 == len(args) {
				return bad(a + " needs a number")
			}
			n, err := strconv.ParseUint(args[i+1], 10, 64)
			if err != nil || a == "--count" && (n == 0 || n > 1<<31) {
				return bad(fmt.Sprintf("%s %q is not a valid number", a, args[i+1]))
			}
			if a == "--after" {
				wa.resume, wa.after = true, n
			} else {
				wa.count = int(n)
			}
			i++
		case strings.HasPrefix(a, "--"):
			return bad("unknown option " + a)
		case wa.prefix != "":
			return bad("more than one prefix")
		default:
			wa.prefix = a
		}
	}
	return func(x *ctx) error { return cdbWatch(x, wa) }, nil
}

// cdbWatch prints change events until interrupted (or count of them).
func cdbWatch(x *ctx, wa watchArgs) error {
	x.c.SetTimeout(0) // a watch waits for changes as long as it takes
	if _, err := x.c.CDBWatch(wa.prefix, wa.resume, wa.after); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	last := wa.after
	for n := 0; wa.count == 0 || n < wa.count; n++ {
		select {
		case <-sig:
			return nil
		case ev, ok := <-x.c.Events():
			if !ok {
				return fmt.Errorf("%w (resume with --after %d)", x.c.Err(), last)
			}
			e, err := client.ChangeEventOf(ev)
			if err != nil {
				return err
			}
			last = e.Txid
			if err := printChange(x, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// printChange prints one change event: with --json one cdbChangeJSON line;
// else "TXID set PATH TYPE VALUE" or "TXID delete PATH" per change,
// "TXID reset" before the difference a full copy made ("TXID reset
// discarded FROM TO" when it withdrew transactions FROM..TO printed
// before), "TXID resync" when the subscriber must re-read.
func printChange(x *ctx, e client.ChangeEvent) error {
	if x.o.json {
		je := cdbChangeJSON{Txid: e.Txid, Prev: e.Prev, Reset: e.Reset, Resync: e.Resync, Changes: []cdbChangeItemJSON{}}
		if e.Discarded != [2]uint64{} {
			je.Discarded = e.Discarded[:]
		}
		for _, ch := range e.Changes {
			jc := cdbChangeItemJSON{Path: ch.Path, Op: "delete"}
			if ch.New.Type() != 0 {
				jc.Op, jc.Type, jc.Value = "set", ch.New.Type().String(), ch.New.String()
			}
			if ch.Old.Type() != 0 {
				jc.OldType, jc.OldValue = ch.Old.Type().String(), ch.Old.String()
			}
			je.Changes = append(je.Changes, jc)
		}
		return json.NewEncoder(x.w).Encode(je) // one line per event, as watch
	}
	if e.Discarded != [2]uint64{} {
		fmt.Fprintf(x.w, "%d reset discarded %d %d\n", e.Txid, e.Discarded[0], e.Discarded[1])
	}
	if e.Resync {
		_, err := fmt.Fprintf(x.w, "%d resync\n", e.Txid)
		return err
	}
	if e.Reset && e.Discarded == [2]uint64{} {
		fmt.Fprintf(x.w, "%d reset\n", e.Txid)
	}
	for _, ch := range e.Changes {
		var err error
		if ch.New.Type() == 0 {
			_, err = fmt.Fprintf(x.w, "%d delete %s\n", e.Txid, ch.Path)
		} else {
			_, err = fmt.Fprintf(x.w, "%d set %s %s %s\n", e.Txid, ch.Path, ch.New.Type(), ch.New)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
