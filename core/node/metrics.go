package node

// The Prometheus endpoint ([metrics] listen): GET /metrics on host:port.
//
// It uses the Prometheus Go client library (github.com/prometheus/
// client_golang) rather than a hand-written exposition: the library keeps
// the text format, content negotiation and the standard process and Go
// runtime metrics right. The collector reads the daemon's state only when
// scraped: the datagram counters are the atomics the transport already
// keeps, membership and quorum come from one status snapshot taken on the
// node loop (one request per scrape, like a gohactl status), HA from the
// runtime's status call, the store size from a read transaction. Nothing
// is added to the per-datagram or per-request paths.

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.etcd.io/bbolt"

	"github.com/goha/goha/core/version"
	"github.com/goha/goha/core/wire"
)

// metricsTimeout bounds how long a scrape waits for the node loop.
const metricsTimeout = 2 * time.Second

type statusReq chan *wire.Status

// loopStatus asks the loop for a status snapshot (nil once stopped or
// after metricsTimeout).
func (n *Node) loopStatus() *wire.Status {
	req := make(statusReq, 1)
	t := time.NewTimer(metricsTimeout)
	defer t.Stop()
	select {
	case n.statusReqs <- req:
	case <-n.done:
		return nil
	case <-t.C:
		return nil
	}
	select {
	case st := <-req:
		return st
	case <-n.done:
		return nil
	case <-t.C:
		return nil
	}
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("goha_"+name, help, labels, nil)
}

var (
	mBuild      = desc("build_info", "goha version of this gohad (always 1).", "version", "node")
	mQuorate    = desc("quorate", "1 if this node's partition is quorate.")
	mRingSeq    = desc("view_ring_seq", "Sequence number of the installed view's ring id.")
	mRingRep    = desc("view_ring_rep", "Representative node id of the installed view's ring id.")
	mMembers    = desc("view_members", "Number of members of the installed view.")
	mViews      = desc("views_installed_total", "Views this node installed since it started.")
	mViewAge    = desc("view_age_seconds", "Time since the installed view was installed.")
	mTotalVotes = desc("quorum_total_votes", "Votes present in the partition (votequorum total_votes).")
	mExpected   = desc("quorum_expected_votes", "Expected votes (votequorum expected_votes).")
	mQuorum     = desc("quorum_votes_needed", "Votes needed for quorum (votequorum quorum).")
	mNodeVotes  = desc("node_votes", "Votes of each configured node.", "node", "id")
	mNodeMember = desc("node_member", "1 if the node is a member of the installed view.", "node", "id")
	mRole       = desc("cmm_role", "CMM role of each node (1 for its current role).", "node", "id", "role")
	mQualified  = desc("cmm_qualified", "1 if the node is qualified for mastership.", "node", "id")
	mIsMaster   = desc("is_master", "1 if this node is the CMM master.")
	mHAState    = desc("ha_state", "HA state of this node (1 for the current one).", "state")
	mHATxid     = desc("ha_txid", "Transaction id of this node's config store (one per commit).")
	mHALag      = desc("ha_secondary_lag", "Commits the secondary has not acknowledged (on a primary).", "secondary")
	mHAInSync   = desc("ha_secondary_in_sync", "1 if the secondary is in sync (on a primary).", "secondary")
	mStoreBytes = desc("store_size_bytes", "Size of the config store's data.")
	mSent       = desc("datagrams_sent_total", "Membership datagrams sent.")
	mRecv       = desc("datagrams_received_total", "Membership datagrams received and accepted.")
	mRejected   = desc("datagrams_rejected_total", "Membership datagrams dropped, by reason.", "reason")
	mClients    = desc("control_clients", "Open control connections (gohactl, libgoha, Python).")
	mDropped    = desc("control_clients_dropped_total", "Control clients disconnected for falling behind.")
)

// collector is the node's prometheus.Collector.
type collector struct{ n *Node }

func (c collector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	n := c.n
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(mBuild, 1, version.String(), n.self.Name)
	counter(mSent, n.cnt.sent.Load())
	counter(mRecv, n.cnt.received.Load())
	counter(mRejected, n.cnt.rejAuth.Load(), "auth")
	counter(mRejected, n.cnt.rejReplay.Load(), "replay")
	counter(mRejected, n.cnt.rejMalformed.Load(), "malformed")
	counter(mRejected, n.cnt.rejUnknown.Load(), "unknown_sender")
	counter(mDropped, n.cnt.clientsDropped.Load())
	gauge(mClients, float64(n.ctl.clients()))
	if st := n.loopStatus(); st != nil {
		c.collectMembership(st, gauge, counter)
	}
	c.collectHA(gauge)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c collector) collectMembership(st *wire.Status, gauge func(*prometheus.Desc, float64, ...string), counter func(*prometheus.Desc, uint64, ...string)) {
	q := st.Quorum
	gauge(mQuorate, b2f(q.Quorate))
	gauge(mRingSeq, float64(st.Ring.Seq))
	gauge(mRingRep, float64(st.Ring.Rep))
	gauge(mMembers, float64(len(st.Members)))
	counter(mViews, st.Counters.Views)
	gauge(mViewAge, float64(st.ViewAgeMs)/1000)
	gauge(mTotalVotes, float64(q.TotalVotes))
	gauge(mExpected, float64(q.ExpectedVotes))
	gauge(mQuorum, float64(q.Quorum))
	gauge(mIsMaster, b2f(st.Master == st.NodeID && st.Master != 0))
	members := map[uint32]bool{}
	for _, id := range st.Members {
		members[id] = true
	}
	for _, nd := range st.Nodes {
		id := strconv.FormatUint(uint64(nd.ID), 10)
		gauge(mNodeVotes, float64(nd.Votes), nd.Name, id)
		gauge(mNodeMember, b2f(members[nd.ID]), nd.Name, id)
		gauge(mQualified, b2f(nd.Eligible && nd.SFlag&wire.CMMDisqualified == 0), nd.Name, id)
		role := "none"
		switch {
		case nd.SFlag&wire.CMMMaster != 0:
			role = "master"
		case nd.SFlag&wire.CMMViceMaster != 0:
			role = "vice_master"
		case nd.SFlag&wire.CMMOutOfCluster != 0:
			role = "out_of_cluster"
		}
		for _, r := range []string{"master", "vice_master", "none", "out_of_cluster"} {
			gauge(mRole, b2f(r == role), nd.Name, id, r)
		}
	}
}

func (c collector) collectHA(gauge func(*prometheus.Desc, float64, ...string)) {
	h := c.n.ha
	if h == nil {
		return
	}
	st := h.status()
	states := map[int]string{1: "none", 2: "secondary", 3: "primary", 4: "relay"}
	for code, name := range states {
		gauge(mHAState, b2f(st.State == code), name)
	}
	gauge(mHATxid, float64(st.Txid))
	for _, p := range st.Peers {
		var lag uint64
		if st.Txid > p.Acked {
			lag = st.Txid - p.Acked
		}
		gauge(mHALag, float64(lag), p.Name)
		gauge(mHAInSync, b2f(p.InSync), p.Name)
	}
	if db := h.st.DB(); db != nil {
		var size int64
		if db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil }) == nil {
			gauge(mStoreBytes, float64(size))
		}
	}
}

// startMetrics serves /metrics on addr until the node stops.
func (n *Node) startMetrics(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %s: %w", addr, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{n}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil, Timeout: 2 * metricsTimeout}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("metrics endpoint stopped", "addr", addr, "err", err)
		}
	}()
	n.log.Info("metrics endpoint", "addr", ln.Addr().String())
	n.metricsAddr = ln.Addr().String()
	return func() { srv.Close() }, nil
}

// MetricsAddr returns the address of the metrics endpoint ("" if none).
func (n *Node) MetricsAddr() string { return n.metricsAddr }
