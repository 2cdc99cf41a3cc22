// Package config parses, defaults and validates the goha cluster
// configuration file. The keys are a contract (DESIGN.md, "Interfaces that
// users rely on"); examples/cluster.toml shows and documents every one.
//
// # Format
//
// The file is TOML, decoded with github.com/BurntSushi/toml: a small,
// dependency-free, widely used decoder whose MetaData reports keys that
// were not decoded, which is how unknown (misspelt) keys become errors
// instead of being silently ignored. The file is decoded into a mirror of
// the file with pointer fields, so "absent" (take the default) is told
// apart from "written" (validate it), and integers are read as int64 so a
// negative or oversized value is reported with its key. Durations are
// strings with a unit ("300ms", "2s"); a bare number is refused, since a
// unit-less number is ambiguous.
//
// # Defaults
//
//	domain_id                    0
//	crypto_cipher                "none" (membership datagrams authenticated,
//	                             not encrypted; "aes256-gcm" encrypts them)
//	timing.heartbeat             "300ms" (spec/cmm.md 3.7's proposal)
//	timing.failure_timeout       "900ms" (three heartbeats, NHAS detection delay)
//	quorum.expected_votes        0 = the sum of the node votes
//	quorum.two_node, wait_for_all, last_man_standing, auto_tie_breaker,
//	allow_downscale              false (wait_for_all: true when two_node is on
//	                             and wait_for_all is absent, as corosync; that
//	                             rule is applied by quorum.Setup, and
//	                             Quorum.WaitForAllSet records whether it was written)
//	quorum.last_man_standing_window  "10s" (corosync's default)
//	quorum.auto_tie_breaker_node "lowest"
//	ha.token                     the authkey
//	ha.tick_timeout              "2s"
//	ha.replication               "sync"
//	ha.mode                      "external"
//	ha.min_sync                  1 when there is more than one data node, else 0
//	ha.max_lag                   1000 (auto mode, async replication only)
//	fencing.watchdog             "" (no watchdog)
//	node.votes                   1
//	node.eligible                true (false for a witness)
//	node.witness                 false
//
// # Validation
//
// Parse and Validate report every problem at once, on one line, each as
// "key: value: reason" (e.g. "node[2].votes: 0: votes must be at least 1");
// the error is a *ValidationError wrapping ErrInvalid. TOML syntax and type
// errors wrap ErrSyntax. The rules:
//
//   - unknown keys anywhere; cluster_name missing, empty, longer than 255
//     bytes or with characters other than letters, digits, '.', '_', '-';
//     authkey missing or blank; domain_id outside 0..2^32-1
//
//   - heartbeat below 1ms; failure_timeout not larger than heartbeat;
//     unparsable durations; last_man_standing_window and tick_timeout not
//     positive; replication other than "sync" or "async"; an explicitly
//     empty ha.token; ha.mode other than "external" or "auto"; min_sync
//     above the number of other data nodes; a fencing.watchdog that is not
//     an absolute path
//
//   - no [[node]], more than 1024; id missing, 0 (the quorum device's id)
//     or 4294967295 (CMM_INVALID_NODE_ID); duplicate ids or names; names as
//     cluster_name; votes 0 or above 65535; no eligible node at all
//
//   - addr and ha_addr must be host:port with a numeric port 1..65535 and a
//     reachable host (an IP other than 0.0.0.0/::, or a DNS name); addr at
//     most 63 bytes (CMM_MAX_ADDR_SIZE); ipc is "unix:/path" (non-empty,
//     at most 107 bytes, the sun_path limit) or host:port; no two nodes
//     share a UDP endpoint, a TCP endpoint (ha_addr and TCP ipc together)
//     or a socket path
//
//   - quorum: two_node with other than exactly 2 nodes (corosync's
//     two-node mode is only meaningful then); expected_votes so large that
//     the nodes could never reach quorum; last_man_standing with a node of
//     more than one vote; auto_tie_breaker_node that is not lowest, highest
//     or a list of distinct configured node ids, or written while
//     auto_tie_breaker is off; auto_tie_breaker with two_node;
//     auto_tie_breaker with an odd number of votes but without
//     wait_for_all; and auto_tie_breaker with an odd number of votes and a
//     node with more than one vote (votequorum's tie-breaker can then make
//     both sides of a split quorate, see core/quorum's FuzzSplitBrain).
//
//   - witness nodes (witness = true) may leave out ha_addr and must not
//     be eligible; auto mode refuses two_node, last_man_standing,
//     auto_tie_breaker and expected_votes below the configured votes
//     (each lets two partitions be quorate apart, and auto mode's safety
//     argument needs quorate partitions to share a node), and needs an
//     eligible data node.
//
// The last four quorum rules are stricter than corosync, which repairs them at start-up
// with a critical log line (disabling a feature) or only warns: an
// operator who wrote them meant something else, so goha refuses to start
// with a message instead. quorum.Setup still reproduces corosync's repairs
// for configurations built in code.
package config
