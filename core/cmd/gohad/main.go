// Command gohad is the goha node daemon.
//
//	gohad --config FILE --node NAME [--data DIR] [--log-format text|json] [--log-level LEVEL]
//	gohad --check-config FILE [--node NAME]
//	gohad --version | --help
//
// It runs the [[node]] called NAME of the cluster config FILE: membership
// over UDP on the node's addr, the control endpoint on its ipc address, and
// its persistent state in DIR/goha.db and the config store in DIR/goha.cdb.
// DIR defaults to /var/lib/goha/NAME (DefaultDataRoot/NAME) and is created
// if missing.
//
// Signals: SIGTERM or SIGINT shut it down cleanly: peers are told it leaves
// (they drop it at once instead of after failure_timeout) and it exits 0.
// SIGHUP re-reads FILE and applies what can change at run time (the
// [logging] level, expected votes, node votes and two_node, and what subsystems
// register with node.AddReloader); it logs what it applied and which keys
// need a restart, and never stops the daemon.
//
// systemd: under Type=notify (gohad.service) it sends READY=1 once the node
// has joined a view, STATUS= lines, STOPPING=1 at shutdown, and WATCHDOG=1
// at half of WatchdogSec while its loop is healthy (package sdnotify).
//
// Exit status: 0 after a clean shutdown, --version, --help and a valid
// --check-config; 1 with a one-line reason for a bad config, a busy port or
// an unusable data directory; 2 for a usage error.
//
// Logs are structured (log/slog) on stderr: text by default, JSON with
// --log-format json; the level is --log-level (debug, info, warn, error),
// else the config's [logging] level, else info.
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
	"strings"
	"syscall"
	"time"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/node"
	"github.com/goha/goha/core/sdnotify"
	"github.com/goha/goha/core/version"
)

// DefaultDataRoot is the parent of the default data directory.
const DefaultDataRoot = "/var/lib/goha"

const usage = `usage: gohad --config FILE --node NAME [--data DIR] [--log-format text|json] [--log-level LEVEL]
       gohad --check-config FILE [--node NAME]
       gohad --version | --help

Runs the [[node]] NAME of the cluster config FILE (see goha.toml(5) and
gohad(8)). SIGTERM/SIGINT leave the cluster and exit 0; SIGHUP reloads FILE.

options:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gohad", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "cluster config file (TOML)")
	name := fs.String("node", "", "name of the [[node]] to run")
	data := fs.String("data", "", "data directory (default "+DefaultDataRoot+"/NAME)")
	format := fs.String("log-format", "text", "log format: text or json")
	level := fs.String("log-level", "", "log level: debug, info, warn, error (default: the config's [logging] level, else info)")
	check := fs.String("check-config", "", "validate FILE (and --node NAME, if given) and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		return 2
	}
	// Before any secret is read (--check-config reads them too).
	if err := noCoreDumps(); err != nil {
		fmt.Fprintf(stderr, "gohad: cannot disable core dumps (a crash would dump the keys in memory): %v\n", err)
	}
	switch {
	case *showVersion:
		fmt.Fprintln(stdout, version.Line("gohad"))
		return 0
	case *check != "":
		if fs.NArg() != 0 {
			return usageError(stderr, fs, "--check-config takes one file and no other arguments")
		}
		return checkConfig(*check, *name, stdout, stderr)
	case *cfgPath == "" || *name == "" || fs.NArg() != 0:
		return usageError(stderr, fs, "--config and --node are required, and no other arguments")
	}
	lv := new(slog.LevelVar)
	if *level != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(*level)); err != nil {
			fmt.Fprintf(stderr, "gohad: --log-level %q: want debug, info, warn or error\n", *level)
			return 2
		}
		lv.Set(l)
	}
	log, err := newLogger(*format, lv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gohad: %v\n", err)
		return 2
	}
	if *data == "" {
		*data = filepath.Join(DefaultDataRoot, *name)
	}

	// Catch signals before starting, so a SIGTERM during start-up is not
	// lost (it then stops the node right after it started), and a SIGHUP
	// never takes the default action (exit).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	sd := sdnotify.New()
	n, err := node.Start(node.Options{ConfigPath: *cfgPath, NodeName: *name, DataDir: *data, Logger: log,
		LogLevel: lv, LogLevelFixed: *level != ""})
	if err != nil {
		fmt.Fprintf(stderr, "gohad: %s\n", oneLine(err))
		return 1
	}
	go serveSignals(ctx, n, hup, sd, log)
	err = n.Run(ctx)
	sd.Notify("STOPPING=1")
	if err != nil {
		fmt.Fprintf(stderr, "gohad: %s\n", oneLine(err))
		return 1
	}
	return 0
}

func usageError(stderr io.Writer, fs *flag.FlagSet, msg string) int {
	fmt.Fprintln(stderr, "gohad: "+msg)
	fs.Usage()
	return 2
}

func newLogger(format string, lv *slog.LevelVar, w io.Writer) (*slog.Logger, error) {
	hopts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// checkConfig validates a config file as gohad would at start, without
// binding anything.
func checkConfig(path, name string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(path)
	if err == nil && name != "" {
		if _, ok := cfg.NodeByName(name); !ok {
			err = fmt.Errorf("%s: %s", path, config.UnknownNode(cfg, name))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "gohad: %s\n", oneLine(err))
		return 1
	}
	names := make([]string, len(cfg.Nodes))
	for i, nd := range cfg.Nodes {
		names[i] = nd.Name
	}
	fmt.Fprintf(stdout, "%s: OK: cluster %q, %d nodes (%s)\n", path, cfg.ClusterName, len(cfg.Nodes), strings.Join(names, ", "))
	return 0
}

// serveSignals reloads on SIGHUP and talks to systemd until ctx ends.
func serveSignals(ctx context.Context, n *node.Node, hup <-chan os.Signal, sd *sdnotify.Notifier, log *slog.Logger) {
	wd, err := sdnotify.WatchdogInterval()
	if err != nil {
		log.Warn("systemd watchdog disabled", "err", err)
	}
	var feed <-chan time.Time
	if wd > 0 {
		t := time.NewTicker(wd)
		defer t.Stop()
		feed = t.C
	}
	joined := n.Joined()
	if sd.Enabled() {
		sd.Notify("STATUS=waiting to join the cluster")
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			// Reload logs what it applied, refused and needs a restart.
			n.Reload("SIGHUP")
		case <-joined:
			joined = nil
			if err := sd.Notify("READY=1\nSTATUS=joined the cluster"); err != nil {
				log.Warn("sd_notify READY failed", "err", err)
			}
		case <-feed:
			// Feed the watchdog only while the loop makes progress: it
			// passes at least once a tick, so a pass within the interval
			// means it is not stuck.
			if n.Healthy(wd) {
				sd.Notify("WATCHDOG=1")
			}
		}
	}
}

// oneLine keeps the error on one line (config errors may list several
// problems).
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
