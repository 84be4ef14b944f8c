// Package rig is the one-way network-namespace test rig. Its test (build
// tag rig, run as root) joins a high and a low namespace by a veth pair,
// loads the shipped nftables rulesets of both domains
// (images/nftables/high-side.nft and low-side.nft), loses datagrams at
// random on the low side, moves a file through the diode command, and
// proves with a packet capture on the high side's interface that not one
// frame came back:
//
//	sudo go test -tags rig -count=1 ./test/rig
//
// Without root the test skips, except under CI=true, where it fails.
package rig
