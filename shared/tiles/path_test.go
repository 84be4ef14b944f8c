package tiles

import (
	"errors"
	"testing"
)

func TestPath(t *testing.T) {
	tests := []struct {
		tile Tile
		path string
	}{
		{Tile{0, 0, Width}, "tile/0/000"},
		{Tile{0, 0, 1}, "tile/0/000.p/1"},
		{Tile{1, 999, 255}, "tile/1/999.p/255"},
		{Tile{0, 1000, Width}, "tile/0/x001/000"},
		{Tile{3, 1234067, Width}, "tile/3/x001/x234/067"},
		{Tile{2, 1234067, 8}, "tile/2/x001/x234/067.p/8"},
		{Tile{EntriesLevel, 5, Width}, "tile/entries/005"},
		{Tile{EntriesLevel, 5, 7}, "tile/entries/005.p/7"},
		{Tile{63, MaxIndex, Width}, "tile/63/x072/x057/x594/x037/x927/935"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := tt.tile.Path(); got != tt.path {
				t.Fatalf("Path() = %q, want %q", got, tt.path)
			}
			got, err := ParsePath(tt.path)
			if err != nil || got != tt.tile {
				t.Fatalf("ParsePath(%q) = %+v, %v; want %+v", tt.path, got, err, tt.tile)
			}
		})
	}
}

func TestParsePathRejects(t *testing.T) {
	for _, p := range []string{
		"", "tile", "tile/0", "tile/0/", "tile/00/000", "tile/-1/000", "tile/64/000", "tile/data/000",
		"tile/0/0", "tile/0/0000", "tile/0/x000/001", "tile/0/001/002", "tile/0/x001", "tile/0/000.p/0",
		"tile/0/000.p/256", "tile/0/000.p/01", "tile/0/000.p", "tile/0/000.p/1/2", "tile/0/./000",
		"tile/0/../000", "tile/0/x001/../000", "tiles/0/000", "/tile/0/000", "tile/0/000/",
		"tile/0/x072/x057/x594/x037/x927/936", "tile/0/x999/x999/x999/x999/x999/x999/999",
		"tile/entries/000.p/x", "tile/ 0/000", "tile/+1/000", "tile/0/00a",
	} {
		if got, err := ParsePath(p); !errors.Is(err, ErrBadPath) {
			t.Errorf("ParsePath(%q) = %+v, %v; want ErrBadPath", p, got, err)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"tile/0/000", "tile/1/x001/234.p/5", "tile/entries/x001/000",
		"tile/0/x000/001", "tile/0/000.p/256", "tile/63/x072/x057/x594/x037/x927/935"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tile, err := ParsePath(s)
		if err != nil {
			return
		}
		if got := tile.Path(); got != s {
			t.Fatalf("ParsePath(%q) = %+v, whose path is %q", s, tile, got)
		}
	})
}
