package portal

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"bastion/low-side/bundle"
	"bastion/low-side/report"
)

// bundleListing is one signed report bundle in /api/bundles. The portal
// lists what the manifest says; whoever downloads a bundle checks it with
// bastion-verify bundle and the published report key.
type bundleListing struct {
	Name     string         `json:"name"`
	Kind     string         `json:"kind"`
	Date     string         `json:"date"`
	Ledger   report.Range   `json:"ledger"`
	Previous string         `json:"previous,omitempty"`
	Files    []bundleFileAt `json:"files"` // manifest and signature first
}

// bundleFileAt is one downloadable file of a bundle.
type bundleFileAt struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

// bundles lists the bundles under Config.Bundles, newest date first;
// folders without a readable manifest are left out.
func (s *Server) bundles() []bundleListing {
	out := []bundleListing{}
	if s.cfg.Bundles == "" {
		return out
	}
	ents, _ := os.ReadDir(s.cfg.Bundles)
	for _, e := range ents {
		if m, ok := s.manifest(e.Name()); ok {
			out = append(out, listing(s.cfg.Bundles, e.Name(), m))
		}
	}
	slices.SortStableFunc(out, func(a, b bundleListing) int {
		if a.Date != b.Date {
			return -cmpString(a.Date, b.Date)
		}
		return cmpString(a.Kind, b.Kind)
	})
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// manifest reads the manifest of the bundle folder name.
func (s *Server) manifest(name string) (*bundle.Manifest, bool) {
	if s.cfg.Bundles == "" || !bundle.ValidFileName(name) {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.Bundles, name, bundle.ManifestFile))
	if err != nil {
		return nil, false
	}
	m, err := bundle.ParseManifest(b)
	return m, err == nil
}

func listing(root, name string, m *bundle.Manifest) bundleListing {
	l := bundleListing{Name: name, Kind: m.Kind, Date: m.Date, Ledger: m.Ledger}
	if m.Previous != nil {
		l.Previous = m.Previous.Bundle
	}
	base := "/bundles/" + name + "/"
	for _, f := range []string{bundle.ManifestFile, bundle.SignatureFile} {
		var size int64
		if fi, err := os.Stat(filepath.Join(root, name, f)); err == nil {
			size = fi.Size()
		}
		l.Files = append(l.Files, bundleFileAt{Name: f, Size: size, URL: base + f})
	}
	for _, f := range m.Files {
		l.Files = append(l.Files, bundleFileAt{Name: f.Name, Size: f.Size, URL: base + f.Name})
	}
	return l
}

func (s *Server) apiBundles(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"bundles": s.bundles()})
}

// bundleFile sends one file of a bundle as a download. Only the manifest,
// its signature and the files the manifest lists are served.
func (s *Server) bundleFile(w http.ResponseWriter, r *http.Request) {
	name, file := r.PathValue("bundle"), r.PathValue("file")
	m, ok := s.manifest(name)
	listed := ok && (file == bundle.ManifestFile || file == bundle.SignatureFile ||
		slices.ContainsFunc(m.Files, func(e bundle.Entry) bool { return e.Name == file }))
	if !listed {
		s.fail(w, r, http.StatusNotFound, "no such bundle file", nil)
		return
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.Bundles, name, file))
	if errors.Is(err, fs.ErrNotExist) {
		s.fail(w, r, http.StatusNotFound, "no such bundle file", nil)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal error", err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	w.Write(b)
}
