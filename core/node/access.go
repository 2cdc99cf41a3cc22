package node

// Who may use the control endpoint.
//
// A unix socket endpoint is created with its final mode and group before
// anyone can reach it: bound inside a new directory of mode 0700 next to
// its path, given mode 0660 and ipc_group there, then renamed into place
// (a rename is atomic), so there is no moment at which it is open to
// more users than configured. Each connecting process's credentials come
// from the kernel (SO_PEERCRED) at the accept, before anything is read:
// with ipc_allow_uids or ipc_allow_gids set, only those users, those
// primary groups, root and gohad's own user are served, as corosync's
// uidgid lists do. A TCP endpoint is bound to loopback only. With
// ipc_access_file (either kind of endpoint) every client must first prove
// that it knows the file's secret (wire.IPCProof, challenge-response in
// the hello; the secret never travels), so on TCP, where any local user
// can connect, only those who can read the file get further.

import (
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/wire"
)

// ctlAccess is a control endpoint's access policy, resolved at start.
type ctlAccess struct {
	restrict   bool // allow lists set: check every unix client
	uids, gids map[uint32]bool
	secret     []byte // ipc_access_file's secret, nil if none
	group      int    // ipc_group's gid, -1 if none
}

// tcpUID stands for every TCP client in per-user accounting: TCP has no
// peer credentials.
const tcpUID = ^uint32(0)

// resolveAccess turns a node's ipc access settings into a policy: names
// are looked up, the secret is read (its mode checked).
func resolveAccess(a config.IPCAccess) (*ctlAccess, error) {
	acc := &ctlAccess{group: -1, uids: map[uint32]bool{}, gids: map[uint32]bool{}}
	if a.Group != "" {
		gid, err := lookupID(a.Group, "ipc_group", lookupGroup)
		if err != nil {
			return nil, err
		}
		acc.group = int(gid)
	}
	for _, u := range a.AllowUIDs {
		id, err := lookupID(u, "ipc_allow_uids", func(s string) (string, error) {
			x, err := user.Lookup(s)
			if err != nil {
				return "", err
			}
			return x.Uid, nil
		})
		if err != nil {
			return nil, err
		}
		acc.uids[id], acc.restrict = true, true
	}
	for _, g := range a.AllowGIDs {
		id, err := lookupID(g, "ipc_allow_gids", lookupGroup)
		if err != nil {
			return nil, err
		}
		acc.gids[id], acc.restrict = true, true
	}
	if a.AccessFile != "" {
		s, err := config.ReadSecret(a.AccessFile, "ipc_access_file", "the control endpoint's secret", true)
		if err != nil {
			return nil, err
		}
		acc.secret = s
	}
	return acc, nil
}

func lookupGroup(s string) (string, error) {
	g, err := user.LookupGroup(s)
	if err != nil {
		return "", err
	}
	return g.Gid, nil
}

// lookupID takes a number as is, else looks the name up.
func lookupID(s, key string, lookup func(string) (string, error)) (uint32, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	id, err := lookup(s)
	if err == nil {
		var n uint64
		if n, err = strconv.ParseUint(id, 10, 32); err == nil {
			return uint32(n), nil
		}
	}
	return 0, fmt.Errorf("%s: %q: %v", key, s, err)
}

// allows reports whether a unix client with these credentials is served.
func (a *ctlAccess) allows(uid, gid uint32) bool {
	if a == nil || !a.restrict {
		return true
	}
	return uid == 0 || uid == uint32(os.Getuid()) || a.uids[uid] || a.gids[gid]
}

// listenControl opens the ipc endpoint: "unix:/path" (mode 0660, group
// acc's ipc_group if set; a stale socket file left by a dead daemon is
// replaced, a live one is an error) or a loopback "host:port".
func listenControl(addr string, acc *ctlAccess) (net.Listener, string, error) {
	network, address, err := client.SplitAddr(addr)
	if err != nil {
		return nil, "", err
	}
	if network == "tcp" {
		host, _, _ := net.SplitHostPort(address)
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, "", fmt.Errorf("ipc %s: a TCP control endpoint must be on loopback", addr)
		}
		ln, err := net.Listen("tcp", address)
		if err != nil {
			return nil, "", fmt.Errorf("ipc %s: %w", addr, err)
		}
		return ln, "", nil
	}
	group := -1
	if acc != nil {
		group = acc.group
	}
	ln, err := listenUnix(address, group)
	if err != nil {
		return nil, "", fmt.Errorf("ipc %s: %w", addr, err)
	}
	return ln, address, nil
}

// listenUnix creates the socket at path with mode 0660 and the given
// group (-1: the process's) before it can be reached (see the top of this
// file). Close leaves the file; the server removes it (removeSocket).
func listenUnix(path string, group int) (*net.UnixListener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		c, derr := net.DialTimeout("unix", path, time.Second)
		if derr == nil {
			c.Close()
			return nil, fmt.Errorf("%w (another gohad is serving it)", syscall.EADDRINUSE)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	}
	private, err := os.MkdirTemp(dir, ".g")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "s")
	if len(tmp) > config.MaxUnixPathLen {
		// No room for the private directory: make the socket with its
		// final mode through the umask instead, and its group right after
		// (for that moment its group is gohad's, never anyone else).
		return listenUnixUmask(path, group)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false)
	err = setSocketMode(tmp, group)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func listenUnixUmask(path string, group int) (*net.UnixListener, error) {
	old := unix.Umask(0o117) // 0777 &^ 0117 = 0660
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	unix.Umask(old)
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false)
	if err := setSocketMode(path, group); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, err
	}
	return ln, nil
}

func setSocketMode(path string, group int) error {
	if err := os.Chmod(path, 0o660); err != nil {
		return err
	}
	if group >= 0 {
		if err := os.Lchown(path, -1, group); err != nil {
			return fmt.Errorf("ipc_group %d: %w", group, err)
		}
	}
	return nil
}

// removeSocket removes the socket file at path if it is still the one
// ln created (a successor's socket is left alone).
func removeSocket(path string, ino uint64) {
	var st unix.Stat_t
	if unix.Lstat(path, &st) == nil && st.Ino == ino {
		os.Remove(path)
	}
}

func socketIno(path string) uint64 {
	var st unix.Stat_t
	if unix.Lstat(path, &st) != nil {
		return 0
	}
	return st.Ino
}

// errAccessDenied is why a client that failed the access check is dropped.
var errAccessDenied = errors.New("wrong access secret")

// proveAccess runs the server half of the access check after the
// client's hello h: challenge, check the client's proof, answer with
// ours and the real hello. It returns nil once the client proved the
// secret. The connection's deadline bounds it.
func (s *ctlServer) proveAccess(c *ctlConn, secret []byte, h *wire.Hello, read func() (*wire.Msg, error)) error {
	nonce := make([]byte, wire.NonceLen)
	rand.Read(nonce)
	body, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Challenge: nonce})
	if err := c.writeHandshake(&wire.Msg{Type: wire.TypeHello, Code: wire.CodeAuth, Body: body,
		Err: "this control endpoint requires its access secret: set GOHA_IPC_ACCESS_FILE to the file named by ipc_access_file"}); err != nil {
		return err
	}
	m, err := read()
	if err != nil {
		return err
	}
	var a wire.Auth
	if m.Type != wire.TypeAuth {
		return fmt.Errorf("%w: message type %d instead of the access proof", errAccessDenied, m.Type)
	}
	if err := wire.DecodeBody(m.Body, &a); err != nil {
		return err
	}
	if len(h.Nonce) != wire.NonceLen || !hmac.Equal(a.Proof, wire.IPCProof(secret, "client", h.Nonce, nonce)) {
		c.writeHandshake(&wire.Msg{Type: wire.TypeAuth, Code: wire.CodeAuth, Err: "wrong access secret"})
		return errAccessDenied
	}
	reply := s.hello
	reply.Proto = wire.ProtocolVersion
	body, _ = wire.EncodeBody(&wire.Auth{Proof: wire.IPCProof(secret, "server", h.Nonce, nonce), Hello: &reply})
	return c.writeHandshake(&wire.Msg{Type: wire.TypeAuth, Body: body})
}

// writeHandshake writes one frame during the handshake (before the
// connection's writer runs).
func (c *ctlConn) writeHandshake(m *wire.Msg) error {
	b, err := wire.EncodeMsg(m)
	if err != nil {
		return err
	}
	return wire.WriteFrame(c.nc, b)
}

// reloadAccess is the Reloader of the control endpoint's access settings
// (this node's ipc_* keys): a new access secret, new allow lists and a new
// ipc_group take effect on SIGHUP for the connections made from then on
// (the socket's group is changed in place); connections already served
// stay. A file that cannot be read or a name that does not resolve
// changes nothing and is reported as refused.
func (n *Node) reloadAccess(cur, nc *config.Config, rep *ReloadReport) {
	i := slices.IndexFunc(cur.Nodes, func(x config.Node) bool { return x.ID == n.self.ID })
	w, ok := nc.NodeByID(n.self.ID)
	if i < 0 || !ok {
		return
	}
	old, want := cur.Nodes[i].IPCAccess, w.IPCAccess
	secretChanged := false
	if want.AccessFile != "" {
		if b, err := os.ReadFile(want.AccessFile); err == nil {
			if a := n.ctl.acc.Load(); a == nil || !hmac.Equal(a.secret, b) {
				secretChanged = true
			}
		}
	}
	if reflect.DeepEqual(old, want) && !secretChanged {
		return
	}
	acc, err := resolveAccess(want)
	if err == nil && n.ctl.unixPath != "" && acc.group >= 0 && want.Group != old.Group {
		err = os.Lchown(n.ctl.unixPath, -1, acc.group)
	}
	if err != nil {
		rep.Refused = append(rep.Refused, fmt.Sprintf("control endpoint access (ipc_*): %v", err))
		return
	}
	n.ctl.acc.Store(acc)
	// The ipc_* keys are each node's own business: take all of them, so
	// that another node's change is not reported as needing a restart here.
	for j := range cur.Nodes {
		if w, ok := nc.NodeByID(cur.Nodes[j].ID); ok {
			cur.Nodes[j].IPCAccess = w.IPCAccess
		}
	}
	cur.IPCAccess = nc.IPCAccess
	rep.Applied = append(rep.Applied, "control endpoint access (ipc_group, ipc_allow_uids, ipc_allow_gids, ipc_access_file and its secret), for new connections")
}
