package export

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
	"bastion/shared/tiles"
)

// TileDir is the folder of the C2SP tlog-tiles tree below the export
// root; the checkpoint file sits at the root of that tree. See package
// tiles for the layout.
const TileDir = "tile"

// ErrTiles is returned when a published file does not continue the tile
// tree: it starts past the tiles' end, or inside the range they cover.
var ErrTiles = errors.New("file does not continue the tile tree")

// TilePath returns the path of tile t below root.
func TilePath(root string, t tiles.Tile) string {
	return filepath.Join(root, filepath.FromSlash(t.Path()))
}

// Content returns the ledger range and leaves of a published batch or
// withheld file: its first ledger index, the leaf hash of every item and
// the entry of each full item (nil for a leaf hash only).
func Content(f File, data []byte) (first uint64, leaves []merkle.Hash, entries [][]byte, err error) {
	if f.Withheld {
		w, err := ParseWithheld(data)
		if err != nil {
			return 0, nil, nil, err
		}
		return w.First, w.Leaves, nil, nil
	}
	b, err := batch.Parse(data, batch.Limits{MaxSize: len(data), MaxItems: math.MaxInt32})
	if err != nil {
		return 0, nil, nil, err
	}
	leaves = make([]merkle.Hash, len(b.Items))
	entries = make([][]byte, len(b.Items))
	for i, it := range b.Items {
		leaves[i], entries[i] = it.Hash, it.Entry
	}
	return b.First, leaves, entries, nil
}

// tileBuilder returns the tile tree's state, resuming it on first use
// from the published checkpoint's size and the tiles on disk; when those
// are missing (an export written before tiles) it rebuilds every tile
// from the batch files.
func (d *Dir) tileBuilder() (*tiles.Builder, []tiles.File, error) {
	if d.tiles != nil {
		return d.tiles, nil, nil
	}
	size, err := publishedSize(d.root)
	if err != nil {
		return nil, nil, err
	}
	if b, err := tiles.Resume(size, d.readTile); err == nil {
		d.partials = map[tiles.Tile]bool{}
		for _, t := range tiles.EdgeTiles(size) {
			d.partials[t] = true
		}
		return b, nil, nil
	}
	return d.rebuildTiles(size)
}

// publishedSize returns the size of the published checkpoint, 0 if none.
func publishedSize(root string) (uint64, error) {
	note, err := os.ReadFile(filepath.Join(root, CheckpointFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("failed to read checkpoint: %w", err)
	}
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return 0, fmt.Errorf("published checkpoint: %w", err)
	}
	c, err := checkpoint.Parse(n.Text)
	if err != nil {
		return 0, fmt.Errorf("published checkpoint: %w", err)
	}
	return c.Size, nil
}

// readTile reads one tile at exactly its width.
func (d *Dir) readTile(t tiles.Tile) ([]byte, error) {
	return os.ReadFile(TilePath(d.root, t))
}

// rebuildTiles computes every full tile up to size from the published
// batch files, in sequence order; the edge follows from the Builder.
func (d *Dir) rebuildTiles(size uint64) (*tiles.Builder, []tiles.File, error) {
	list, err := ListBatches(d.root)
	if err != nil {
		return nil, nil, err
	}
	b := &tiles.Builder{}
	var out []tiles.File
	for _, f := range list.Files {
		if b.Size() >= size {
			break
		}
		data, err := os.ReadFile(Path(d.root, f))
		if err != nil {
			return nil, nil, fmt.Errorf("failed to rebuild tiles: %w", err)
		}
		if out, err = appendFile(b, out, Published{File: f, Data: data}); err != nil {
			return nil, nil, fmt.Errorf("failed to rebuild tiles: %w", err)
		}
	}
	d.partials = map[tiles.Tile]bool{} // no edge tile is known to be on disk
	return b, out, nil
}

// ledgerOf returns the ledger content of p: the caller's, or parsed from
// its bytes.
func ledgerOf(p Published) (*Ledger, error) {
	if l := p.Ledger; l != nil {
		if l.Entries != nil && len(l.Entries) != len(l.Leaves) {
			return nil, fmt.Errorf("%w: %s has %d leaves and %d entries",
				ErrTiles, p.File.Name(), len(l.Leaves), len(l.Entries))
		}
		return l, nil
	}
	first, leaves, entries, err := Content(p.File, p.Data)
	if err != nil {
		return nil, err
	}
	return &Ledger{First: first, Leaves: leaves, Entries: entries}, nil
}

// appendFile appends the leaves of one published file to b and its full
// tiles to out, skipping a file the tiles already cover.
func appendFile(b *tiles.Builder, out []tiles.File, p Published) ([]tiles.File, error) {
	l, err := ledgerOf(p)
	if err != nil {
		return nil, err
	}
	end := l.First + uint64(len(l.Leaves))
	switch {
	case end <= b.Size():
		return out, nil
	case l.First != b.Size():
		return nil, fmt.Errorf("%w: %s holds ledger indexes %d to %d, the tiles end at %d",
			ErrTiles, p.File.Name(), l.First, end-1, b.Size())
	}
	return append(out, b.Extend(l.Leaves, l.Entries)...), nil
}

// tilesFor returns the tile state after files and the tile files to
// write: each tile that became full, once, then the tiles of the new
// right edge not already on disk. d's state is not changed.
func (d *Dir) tilesFor(files []Published) (*tiles.Builder, []tiles.File, error) {
	b, out, err := d.tileBuilder()
	if err != nil {
		return nil, nil, err
	}
	b = b.Clone()
	for _, f := range files {
		if out, err = appendFile(b, out, f); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range b.Edge() {
		if !d.partials[f.Tile] {
			out = append(out, f)
		}
	}
	return b, out, nil
}

// pendingTiles creates the folders of tile files and returns them with
// the folders whose new children need a sync. A tile file is not read
// first: every tile fs names lies past the published checkpoint (a full
// tile the tree just completed, or an edge tile of a new width), so
// rewriting one that a crash left behind replaces bytes no reader was
// shown, with the same bytes for the same ledger.
func (d *Dir) pendingTiles(fs []tiles.File) ([]pendingFile, []string, error) {
	out := make([]pendingFile, 0, len(fs))
	var dirs []string
	for _, f := range fs {
		p := pendingFile{path: TilePath(d.root, f.Tile), data: f.Data}
		created, err := d.makeDirs(filepath.Dir(p.path))
		if err != nil {
			return nil, nil, err
		}
		out, dirs = append(out, p), append(dirs, created...)
	}
	return out, dirs, nil
}

// makeDirs creates dir and its missing parents below root and returns
// the folders whose entries changed: the parent of each folder created.
// Folders known to exist are remembered, so a publish stats none twice.
func (d *Dir) makeDirs(dir string) ([]string, error) {
	if d.dirs[dir] {
		return nil, nil
	}
	var missing []string
	for p := dir; p != d.root && p != "." && p != "/" && !d.dirs[p]; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		missing = append(missing, p)
	}
	if len(missing) > 0 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("failed to create tile folder: %w", err)
		}
	}
	if d.dirs == nil {
		d.dirs = map[string]bool{}
	}
	d.dirs[dir] = true
	var parents []string
	for _, m := range missing {
		parents = append(parents, filepath.Dir(m))
	}
	return parents, nil
}

// pruneTiles removes the partial tiles written before that the tree at
// size has superseded, once the checkpoint of size is durable. Failures
// are ignored: a leftover partial tile is a valid prefix of a wider one.
func (d *Dir) pruneTiles(size uint64) {
	edge := map[tiles.Tile]bool{}
	for _, t := range tiles.EdgeTiles(size) {
		edge[t] = true
	}
	for t := range d.partials {
		if edge[t] {
			continue
		}
		p := TilePath(d.root, t)
		os.Remove(p)
		os.Remove(filepath.Dir(p)) // the ".p" folder, once empty
		delete(d.dirs, filepath.Dir(p))
	}
	d.partials = edge
}

// notePartials records the partial tiles among fs as written.
func (d *Dir) notePartials(fs []tiles.File) {
	if d.partials == nil {
		d.partials = map[tiles.Tile]bool{}
	}
	for _, f := range fs {
		if !f.Tile.Full() {
			d.partials[f.Tile] = true
		}
	}
}
