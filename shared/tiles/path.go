package tiles

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Shape of the tiling, C2SP tlog-tiles.
const (
	// Height is the number of tree levels a tile spans.
	Height = 8
	// Width is the number of hashes (or entries) in a full tile.
	Width = 1 << Height
	// MaxLevel is the highest tile level a path may name.
	MaxLevel = 63
	// EntriesLevel is the Level of an entry bundle.
	EntriesLevel = -1
	// MaxIndex is the highest tile index: 256·N must still be a uint64
	// leaf index.
	MaxIndex = 1<<(64-Height) - 1
)

// pathBase is the radix of one element of an encoded tile index.
const pathBase = 1000

// ErrBadPath is returned by ParsePath for a path outside the layout.
var ErrBadPath = errors.New("malformed tile path")

// Tile names one tile: a level of hashes or the entry bundles, an index
// within the level, and a width.
type Tile struct {
	Level int    // 0 to MaxLevel, or EntriesLevel for an entry bundle
	Index uint64 // N: the tile covers 256·N onwards at its level
	Width int    // 1 to Width; Width is a full tile
}

// Full reports whether t is a full tile.
func (t Tile) Full() bool { return t.Width == Width }

// Entries reports whether t is an entry bundle.
func (t Tile) Entries() bool { return t.Level == EntriesLevel }

// Path returns t's path below the tile tree's root, with "/" separators:
// "tile/0/x001/234", "tile/2/000.p/7", "tile/entries/005".
func (t Tile) Path() string {
	var b strings.Builder
	b.WriteString("tile/")
	if t.Entries() {
		b.WriteString("entries")
	} else {
		b.WriteString(strconv.Itoa(t.Level))
	}
	b.WriteByte('/')
	b.WriteString(encodeIndex(t.Index))
	if !t.Full() {
		b.WriteString(".p/")
		b.WriteString(strconv.Itoa(t.Width))
	}
	return b.String()
}

// String returns the path.
func (t Tile) String() string { return t.Path() }

// encodeIndex writes n as three-digit groups, all but the last prefixed
// with "x".
func encodeIndex(n uint64) string {
	s := fmt.Sprintf("%03d", n%pathBase)
	for n >= pathBase {
		n /= pathBase
		s = fmt.Sprintf("x%03d/%s", n%pathBase, s)
	}
	return s
}

// ParsePath parses a tile or entry bundle path as Path writes it. Only the
// exact form Path would write is accepted: no leading zeros in a level or
// width, no redundant "x000" group, no "." or ".." element, no width 0 or
// 256 after ".p". It returns ErrBadPath naming the path.
func ParsePath(path string) (Tile, error) {
	t, ok := parsePath(path)
	if !ok || t.Path() != path {
		return Tile{}, fmt.Errorf("%w: %q", ErrBadPath, path)
	}
	return t, nil
}

func parsePath(path string) (Tile, bool) {
	f := strings.Split(path, "/")
	if len(f) < 3 || len(f) > 12 || f[0] != "tile" {
		return Tile{}, false
	}
	t := Tile{Level: EntriesLevel, Width: Width}
	if f[1] != "entries" {
		l, err := strconv.Atoi(f[1])
		if err != nil || l < 0 || l > MaxLevel {
			return Tile{}, false
		}
		t.Level = l
	}
	f = f[2:] // index groups, then "<last>.p" and "<W>" for a partial tile
	if n := len(f); n >= 2 {
		if last, ok := strings.CutSuffix(f[n-2], ".p"); ok {
			w, err := strconv.Atoi(f[n-1])
			if err != nil || w < 1 || w >= Width {
				return Tile{}, false
			}
			t.Width = w
			f = append(f[:n-2], last)
		}
	}
	n, ok := decodeIndex(f)
	t.Index = n
	return t, ok
}

// decodeIndex reads the groups of an encoded index; Path's round trip
// rejects any non-canonical spelling afterwards.
func decodeIndex(groups []string) (uint64, bool) {
	var n uint64
	for i, g := range groups {
		if i < len(groups)-1 {
			var ok bool
			if g, ok = strings.CutPrefix(g, "x"); !ok {
				return 0, false
			}
		}
		if len(g) != 3 || !allDigits(g) {
			return 0, false
		}
		d, _ := strconv.ParseUint(g, 10, 64)
		if n > (MaxIndex-d)/pathBase {
			return 0, false
		}
		n = n*pathBase + d
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
