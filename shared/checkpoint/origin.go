package checkpoint

import "strings"

// OriginPrefix starts the origin of every ledger checkpoint. The origin
// scheme is "bastion.example/ledger/<link>": a schema-less URL, as the
// tlog-checkpoint specification recommends, under a reserved domain (RFC
// 2606) that can never collide with another real log, followed by the diode
// link that carries the ledger. The link name keeps the checkpoints of two
// links apart, so a checkpoint can never be replayed on another link.
const OriginPrefix = "bastion.example/ledger/"

// MaxLinkLen is the longest link name, in bytes.
const MaxLinkLen = 64

// OriginFor returns the checkpoint origin of the ledger sent over link. The
// link must satisfy ValidLink; an origin made from an invalid link fails
// Validate.
func OriginFor(link string) string { return OriginPrefix + link }

// LinkFromOrigin returns the link named by origin, and false if origin does
// not follow the scheme of OriginFor or names an invalid link.
func LinkFromOrigin(origin string) (string, bool) {
	link, ok := strings.CutPrefix(origin, OriginPrefix)
	if !ok || !ValidLink(link) {
		return "", false
	}
	return link, true
}

// ValidLink reports whether link can name a diode link: 1 to MaxLinkLen
// characters from [A-Za-z0-9._-], not starting with a dot.
func ValidLink(link string) bool {
	if link == "" || len(link) > MaxLinkLen || link[0] == '.' {
		return false
	}
	for _, c := range []byte(link) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
