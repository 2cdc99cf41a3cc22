// Package quorum reproduces corosync 3.x votequorum's arithmetic and
// feature rules as pure functions (full design notes follow in a later
// revision of this comment).
package quorum
