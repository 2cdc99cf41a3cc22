// Command gohactl is the operator's command line for a goha node: it talks
// to the local gohad over the control protocol (core/client).
//
//	gohactl [--ipc ADDR] [--timeout D] [--json] COMMAND [ARGS]
//
// The commands, their arguments and one line of help each are the table
// in commands.go, which also feeds the usage text; gohactl(8) and
// doc/json.md describe them for users, and the tests check that the man
// page, the bash completion and the JSON document name every command.
//
// One command needs no daemon and is not in the table: keygen FILE writes
// a new random key for authkey_file or ipc_access_file (keygen.go).
//
// --ipc overrides $GOHA_IPC (default unix:/var/run/goha/gohad.sock).
// --json prints one JSON object (watch: one per line) following
// doc/json.md; a failure then also prints {"error": {...}} on stdout.
//
// Exit status (also in gohactl(8)):
//
//	0   success
//	1   the daemon refused or failed the request (the reason on stderr)
//	2   status: the node is not quorate (as corosync-quorumtool -s)
//	3   the daemon is not reachable, or the connection was lost
//	4   timeout: no answer, or a change not applied, within --timeout
//	64  usage error (EX_USAGE)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/version"
	"github.com/goha/goha/core/wire"
)

// Exit codes.
const (
	exitOK         = 0
	exitRefused    = 1
	exitNotQuorate = 2
	exitGone       = 3
	exitTimeout    = 4
	exitUsage      = 64
)

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// notQuorate makes status exit 2 after printing normally.
var errNotQuorate = errors.New("not quorate")

// timeoutError: a change was accepted but not seen applied within the timeout.
type timeoutError struct{ msg string }

func (e timeoutError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	ipc        string
	timeout    time.Duration
	timeoutSet bool
	json       bool
	config     string // for the HA token
	help       bool
	version    bool
	args       []string
}

// corosync-quorumtool's single-letter commands, for its users.
var shortCommands = map[string][]string{"-s": {"status"}, "-l": {"list"}, "-m": {"status", "--watch"}}

func parseArgs(args []string) (*options, error) {
	o := &options{ipc: client.DefaultAddr(), timeout: 5 * time.Second}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", usageError{name + " needs a value"}
			}
			i++
			return args[i], nil
		}
		switch name {
		case "--ipc", "-ipc":
			v, err := next()
			if err != nil {
				return nil, err
			}
			o.ipc = v
		case "--timeout", "-timeout":
			v, err := next()
			if err != nil {
				return nil, err
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, usageError{fmt.Sprintf("--timeout %q: want a duration such as 5s", v)}
			}
			o.timeout, o.timeoutSet = d, true
		case "--json", "-json":
			o.json = true
		case "--config", "-config":
			v, err := next()
			if err != nil {
				return nil, err
			}
			o.config = v
		case "-h", "--help", "help":
			o.help = true
		case "--version", "-V":
			o.version = true
		default:
			if s, ok := shortCommands[a]; ok && len(o.args) == 0 {
				o.args = append(o.args, s...)
				continue
			}
			o.args = append(o.args, a)
		}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		return fail(stderr, stdout, false, "", err)
	}
	switch {
	case o.version:
		fmt.Fprintln(stdout, version.Line("gohactl"))
		return exitOK
	case o.help && len(o.args) == 0:
		fmt.Fprint(stdout, usageText())
		return exitOK
	case len(o.args) == 0:
		return fail(stderr, stdout, o.json, "", usageError{"no command given"})
	case o.args[0] == "keygen":
		return runKeygen(o, stdout, stderr)
	}
	cmd, rest, err := lookup(o.args)
	if err != nil {
		return fail(stderr, stdout, o.json, "", err)
	}
	if o.help {
		fmt.Fprintf(stdout, "usage: gohactl [--ipc ADDR] [--timeout D] [--json] %s %s\n  %s\n", cmd.name, cmd.args, cmd.help)
		return exitOK
	}
	inv, err := cmd.parse(rest)
	if err != nil {
		return fail(stderr, stdout, o.json, cmd.name, err)
	}
	x := &ctx{o: o, w: stdout, errw: stderr}
	if !localCommands[cmd.name] {
		c, err := client.Dial(o.ipc, o.timeout)
		if err != nil {
			return fail(stderr, stdout, o.json, cmd.name, err)
		}
		defer c.Close()
		x.c = c
	}
	if err := inv(x); err != nil {
		if errors.Is(err, errNotQuorate) {
			return exitNotQuorate
		}
		return fail(stderr, stdout, o.json, cmd.name, err)
	}
	return exitOK
}

// ctx is what a command runs with.
type ctx struct {
	c    *client.Client
	o    *options
	w    io.Writer // stdout
	errw io.Writer // stderr
}

func (x *ctx) print(v any) error { return printJSON(x.w, v) }

// fail prints err as one line on stderr (and, with --json, as an error
// object on stdout) and returns the exit code for it.
func fail(w, stdout io.Writer, asJSON bool, cmd string, err error) int {
	code, name, errno := exitRefused, "failed", 0
	msg := err.Error()
	var ue usageError
	var te timeoutError
	var ce *client.Error
	switch {
	case errors.As(err, &ue):
		code, name = exitUsage, "usage"
	case errors.Is(err, client.ErrDaemonGone):
		code, name = exitGone, "daemon_unreachable"
		msg = fmt.Sprintf("%v (is gohad running? set --ipc or GOHA_IPC)", err)
	case errors.Is(err, client.ErrTimeout) || errors.As(err, &te):
		code, name = exitTimeout, "timeout"
	case errors.As(err, &ce):
		name, errno = codeName(ce.Code)
		msg = refusal(ce, name)
	}
	prefix := "gohactl: "
	if cmd != "" {
		prefix += cmd + ": "
	}
	if msg != "" {
		fmt.Fprintln(w, prefix+msg)
	}
	if code == exitUsage {
		fmt.Fprintln(w, "run 'gohactl --help' for the commands")
	}
	if asJSON {
		printJSON(stdout, errorJSON{errorBody{Name: name, Code: errno, Message: prefix + msg, Exit: code}})
	}
	return code
}

// refusal formats a daemon refusal: the error's name, then the daemon's
// reason (without repeating the op and the code's generic text).
func refusal(ce *client.Error, name string) string {
	reason := ce.Msg
	if reason == "" {
		reason = ce.Code.String()
	}
	return name + ": " + reason
}

// codeName returns the name scripts see for a daemon code: the confd_errno
// name (CONFD_ERR_*) and number the C API reports for HA and config store
// failures (doc/json.md), the snake_case code name otherwise.
func codeName(c wire.Code) (string, int) {
	if e, ok := confdErrNames[c]; ok {
		return e.name, e.errno
	}
	if n, ok := wireCodeNames[c]; ok {
		return n, int(c)
	}
	return "code_" + strconv.Itoa(int(c)), int(c)
}

var wireCodeNames = map[wire.Code]string{
	wire.CodeInvalid: "invalid", wire.CodeNotExist: "not_exist", wire.CodeExist: "exist",
	wire.CodeNameNotFound: "name_not_found", wire.CodeAccess: "access", wire.CodeTryAgain: "try_again",
	wire.CodeRingMismatch: "ring_mismatch", wire.CodePerm: "not_permitted", wire.CodeCanceled: "canceled",
	wire.CodeNoCluster: "no_cluster", wire.CodeNotSupported: "not_supported", wire.CodeUnknownOp: "unknown_op",
	wire.CodeBadRequest: "bad_request", wire.CodeInternal: "internal", wire.CodeVersion: "version",
	wire.CodeShutdown: "shutdown", wire.CodeNotMember: "not_member", wire.CodeAuth: "access_denied",
}

// confdErrNames are the names and numbers that include/confd_lib.h gives
// the HA and config store failures, as libgoha reports them (capi's
// confdCodes); gohactl shows them so that its errors read like the C
// API's.
var confdErrNames = map[wire.Code]struct {
	name  string
	errno int
}{
	wire.CodeNoValue: {"CONFD_ERR_NOEXISTS", 1}, wire.CodeNotWritable: {"CONFD_ERR_NOT_WRITABLE", 4},
	wire.CodeBadValue: {"CONFD_ERR_BADTYPE", 5}, wire.CodeBadPath: {"CONFD_ERR_BADPATH", 8},
	wire.CodeBadState: {"CONFD_ERR_BADSTATE", 17}, wire.CodeUsage: {"CONFD_ERR_PROTOUSAGE", 21},
	wire.CodeHAConnect: {"CONFD_ERR_HA_CONNECT", 25}, wire.CodeHAClosed: {"CONFD_ERR_HA_CLOSED", 26},
	wire.CodeHABadSchema: {"CONFD_ERR_HA_BADFXS", 27}, wire.CodeHABadToken: {"CONFD_ERR_HA_BADTOKEN", 28},
	wire.CodeHABadName: {"CONFD_ERR_HA_BADNAME", 29}, wire.CodeHABind: {"CONFD_ERR_HA_BIND", 30},
	wire.CodeHANoTick: {"CONFD_ERR_HA_NOTICK", 31}, wire.CodeHABadVersion: {"CONFD_ERR_HA_BADVSN", 52},
	wire.CodeHAAbort:     {"CONFD_ERR_HA_ABORT", 71},
	wire.CodeUnavailable: {"CONFD_ERR_UNAVAILABLE", 44},
}

func printJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

func parseU32(what, s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, usageError{fmt.Sprintf("%s must be a non-negative integer, not %q", what, s)}
	}
	return uint32(v), nil
}

// resolveNode accepts a node id or a configured node name; an unknown one
// gets the list of valid names.
func resolveNode(x *ctx, s string) (uint32, names, error) {
	st, err := x.c.Status()
	if err != nil {
		return 0, nil, err
	}
	nm := namesOf(st)
	if v, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(v), nm, nil
	}
	var valid []string
	for _, n := range st.Nodes {
		if n.Name == s {
			return n.ID, nm, nil
		}
		valid = append(valid, fmt.Sprintf("%s (%d)", n.Name, n.ID))
	}
	return 0, nil, usageError{fmt.Sprintf("no node named %q in the cluster; the nodes are %s", s, strings.Join(valid, ", "))}
}
