package monitor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Bounds of a symbol list file.
const (
	maxListLine    = 1024      // bytes per line
	maxListEntries = 1_000_000 // symbols per file
)

// ListEntry is one symbol of a list file with the note that justifies it.
type ListEntry struct {
	Symbol string
	Note   string
	Line   int
}

// ParseSymbolList reads a restricted or watch list: one "SYMBOL,note" per
// line; blank lines and lines starting with '#' are ignored. The whole
// input is read, however long (REPLAY M10). A line without a note, with a
// malformed symbol, longer than 1024 bytes or repeating an earlier symbol
// (REPLAY M4) is an error naming its line number; nothing is returned then.
func ParseSymbolList(r io.Reader) ([]ListEntry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxListLine+1)
	first := map[string]int{}
	var out []ListEntry
	line := 0
	for sc.Scan() {
		line++
		e, skip, err := parseListLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if skip {
			continue
		}
		if prev, dup := first[e.Symbol]; dup {
			return nil, fmt.Errorf("line %d: duplicate symbol %s (first on line %d)", line, e.Symbol, prev)
		}
		if len(out) == maxListEntries {
			return nil, fmt.Errorf("line %d: more than %d symbols", line, maxListEntries)
		}
		first[e.Symbol] = line
		e.Line = line
		out = append(out, e)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("line %d: longer than %d bytes", line+1, maxListLine)
	} else if err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	return out, nil
}

func parseListLine(text string) (ListEntry, bool, error) {
	t := strings.TrimSpace(strings.TrimSuffix(text, "\r"))
	if t == "" || strings.HasPrefix(t, "#") {
		return ListEntry{}, true, nil
	}
	sym, note, ok := strings.Cut(t, ",")
	sym, note = strings.TrimSpace(sym), strings.TrimSpace(note)
	switch {
	case !ok || note == "":
		return ListEntry{}, false, fmt.Errorf("symbol %q has no note: want SYMBOL,note", clip(sym))
	case !validSymbol(sym):
		return ListEntry{}, false, fmt.Errorf("malformed symbol %q", clip(sym))
	}
	return ListEntry{Symbol: sym, Note: note}, false, nil
}

// loadList gathers a list's symbols from the pack, its list file and, when
// form4 is set, the Form 4 files of its directory. The value says where the
// symbol came from.
func loadList(r ListRule, form4 bool) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range r.Symbols {
		out[s] = "rule pack"
	}
	if r.ListFile != "" {
		if err := addListFile(out, r.ListFile); err != nil {
			return nil, err
		}
	}
	if form4 && r.Form4Dir != "" {
		if err := addForm4Dir(out, r.Form4Dir); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func addListFile(out map[string]string, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := ParseSymbolList(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, e := range entries {
		out[e.Symbol] = clip(fmt.Sprintf("%s:%d %s", filepath.Base(path), e.Line, e.Note))
	}
	return nil
}

func addForm4Dir(out map[string]string, dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("no Form 4 files (*.xml) in %s", dir)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f, err := LoadForm4(p)
		if err != nil {
			return err
		}
		out[f.Symbol] = clip("form4 " + filepath.Base(p) + " " + f.IssuerName)
	}
	return nil
}
