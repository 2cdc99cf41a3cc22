// Package membership is goha's cluster membership state machine: failure
// detection from heartbeats, agreed views with ring ids, incarnations,
// votequorum quorum (through package quorum) and CMM master/vice-master
// roles. It is a pure value in the style of etcd-io/raft's RawNode: Tick,
// Step and Ready/Advance, no goroutines, clocks, sockets or randomness.
//
// (The full protocol description follows with the implementation.)
package membership
