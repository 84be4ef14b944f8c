package bundle

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"bastion/low-side/report"
)

// checkKind checks what a report kind promises beyond the hashes. For a
// CAT bundle: the metadata file's record count and compressed hash match
// the data file, and the events pass pre-validation again (without the
// day's account list, which the bundle does not hold).
func (r *Result) checkKind(dir string, m *Manifest) {
	if m.Kind != string(report.KindCAT) {
		return
	}
	for _, f := range m.Files {
		if meta, ok := strings.CutSuffix(f.Name, ".meta.json"); ok {
			r.checkCAT(dir, m, f, meta+".json.bz2")
		}
	}
}

// checkCAT checks one CAT data file against its metadata file.
func (r *Result) checkCAT(dir string, m *Manifest, metaFile Entry, dataName string) {
	mb, err := readLimited(filepath.Join(dir, metaFile.Name), 1<<20)
	if err != nil {
		r.add(metaFile.Name, "%v", err)
		return
	}
	var meta report.CATMeta
	if err := json.Unmarshal(mb, &meta); err != nil {
		r.add(metaFile.Name, "malformed CAT metadata: %v", err)
		return
	}
	i := indexOf(m.Files, dataName)
	if i < 0 || meta.FileName != dataName || meta.CompressedHash != m.Files[i].SHA256 {
		r.add(metaFile.Name, "does not describe %s (name or compressed hash differs)", dataName)
		return
	}
	events, err := readCATLines(filepath.Join(dir, dataName))
	if err != nil {
		r.add(dataName, "%v", err)
		return
	}
	if len(events) != meta.RecordCount {
		r.add(metaFile.Name, "record count %d, the data file holds %d", meta.RecordCount, len(events))
	}
	for _, is := range report.ValidateCAT(m.Date, events, nil) {
		r.add(dataName, "pre-validation: %s", is)
	}
}

// readCATLines decompresses and decodes a CAT order events file.
func readCATLines(path string) ([]report.CATEvent, error) {
	raw, err := readLimited(path, MaxFileSize)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bzip2.NewReader(bytes.NewReader(raw)))
	sc.Buffer(nil, 1<<20)
	var out []report.CATEvent
	for sc.Scan() {
		var ev report.CATEvent
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ev); err != nil {
			return nil, fmt.Errorf("malformed CAT data: line %d: %v", len(out)+1, err)
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("malformed CAT data: %v", err)
	}
	return out, nil
}

func indexOf(files []Entry, name string) int {
	for i, f := range files {
		if f.Name == name {
			return i
		}
	}
	return -1
}
