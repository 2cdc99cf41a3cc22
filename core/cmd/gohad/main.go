// Command gohad is the goha node daemon.
//
//	gohad --config FILE --node NAME [--data DIR] [--log-format text|json] [--log-level LEVEL]
//
// It runs the [[node]] called NAME of the cluster config FILE: membership
// over UDP on the node's addr, the control endpoint on its ipc address, and
// its persistent state in DIR/goha.db and the config store in DIR/goha.cdb.
// DIR defaults to
// /var/lib/goha/NAME (DefaultDataRoot/NAME) and is created if missing.
//
// SIGTERM or SIGINT shut it down cleanly: peers are told it leaves (they
// drop it at once instead of after failure_timeout) and it exits 0. A bad
// config, a busy port or an unusable data directory give a one-line reason
// on stderr and exit status 1; a usage error exits 2.
//
// Logs are structured (log/slog) on stderr: text by default, JSON with
// --log-format json; --log-level is debug, info (default), warn or error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/goha/goha/core/node"
)

// DefaultDataRoot is the parent of the default data directory.
const DefaultDataRoot = "/var/lib/goha"

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gohad", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "cluster config file (TOML)")
	name := fs.String("node", "", "name of the [[node]] to run")
	data := fs.String("data", "", "data directory (default "+DefaultDataRoot+"/NAME)")
	format := fs.String("log-format", "text", "log format: text or json")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gohad --config FILE --node NAME [--data DIR] [--log-format text|json] [--log-level LEVEL]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cfgPath == "" || *name == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "gohad: --config and --node are required, and no other arguments")
		fs.Usage()
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "gohad: --log-level %q: want debug, info, warn or error\n", *level)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch *format {
	case "text":
		h = slog.NewTextHandler(stderr, hopts)
	case "json":
		h = slog.NewJSONHandler(stderr, hopts)
	default:
		fmt.Fprintf(stderr, "gohad: --log-format %q: want text or json\n", *format)
		return 2
	}
	log := slog.New(h)
	if *data == "" {
		*data = filepath.Join(DefaultDataRoot, *name)
	}

	// Catch signals before starting, so a SIGTERM during start-up is not
	// lost (it then stops the node right after it started).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	n, err := node.Start(node.Options{ConfigPath: *cfgPath, NodeName: *name, DataDir: *data, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "gohad: %s\n", oneLine(err))
		return 1
	}
	if err := n.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "gohad: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// oneLine keeps the error on one line (config errors may list several
// problems).
func oneLine(err error) string {
	s := err.Error()
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
