// Package tiles lays an RFC 6962 Merkle tree out as static files in the
// C2SP tlog-tiles form, so that an auditor holding the files and a signed
// checkpoint can rebuild any root, inclusion proof or consistency proof
// without asking a server.
//
// # Layout
//
// Below the tile tree's root (where the checkpoint file sits):
//
//	tile/<L>/<N>           a full tile: the 256 hashes of the nodes at tree
//	                       level 8·L with indexes 256·N to 256·N+255, each
//	                       32 bytes, concatenated (C2SP tlog-tiles
//	                       "Merkle Tree").
//	tile/<L>/<N>.p/<W>     a partial tile: the first W (1 to 255) of them,
//	                       the complete nodes of the tile's last version.
//	tile/entries/<N>[.p/<W>]
//	                       an entry bundle: the log entries 256·N onwards,
//	                       each as a big-endian uint16 length and the
//	                       entry's bytes (C2SP tlog-tiles "Log Entries").
//
// <L> is the level in decimal without leading zeros (0 to 63). <N> is the
// tile index written as groups of three decimal digits, every group but
// the last prefixed with "x": 1234067 is x001/x234/067 (the path of a large
// log stays at most 1000 names per folder). <W> is decimal without leading
// zeros.
//
// # Entries the low side may not see
//
// A bundle entry of length zero stands for an entry whose bytes are not
// published: one above the release label, sent across the diode as its
// leaf hash only, or one longer than 65535 bytes, which a uint16 length
// cannot frame. Its leaf hash is the level-0 tile's hash at that index,
// and the signed batch that carried it holds the same hash. No genuine
// entry is empty, so the zero length is unambiguous.
//
// # Partial tiles
//
// A partial tile is written for the right edge of each published tree
// size. Once a wider or full version of the same tile is durable, the
// narrower one may be deleted; a reader that finds both must find the
// narrower one a prefix of the wider.
package tiles
