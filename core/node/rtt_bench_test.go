package node

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// BenchmarkRoundTrip times requests that reach a one-node daemon over its
// unix socket, through the client core's blocking connection (as libgoha's
// votequorum handles make them): vq.getinfo (answered on the reader
// goroutine), cmm.member and status (answered by the node loop).
func BenchmarkRoundTrip(b *testing.B) {
	dir := b.TempDir()
	cfg := oneNode(b, dir)
	n, err := Start(Options{ConfigPath: cfg, NodeName: "solo", DataDir: filepath.Join(dir, "data"), Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c, err := client.DialConn("unix:"+filepath.Join(dir, "solo.sock"), 5*time.Second, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var m wire.CMMMember
		if c.Call(wire.OpCMMMember, &wire.MemberArg{Node: 7}, &m) == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the node did not form its view")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, tc := range []struct {
		name string
		op   string
		arg  any
		res  func() any
	}{
		{"vq.getinfo", wire.OpVQGetInfo, &wire.NodeArg{}, func() any { return new(wire.VQInfo) }},
		{"cmm.member", wire.OpCMMMember, &wire.MemberArg{Node: 7}, func() any { return new(wire.CMMMember) }},
		{"ping", wire.OpPing, nil, func() any { return nil }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			res := tc.res()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := c.Call(tc.op, tc.arg, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
