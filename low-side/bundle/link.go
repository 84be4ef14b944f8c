package bundle

import "path/filepath"

// CheckLink checks that the bundle r verified links to the bundle in
// prevDir: the manifest hash, date and chain hash it records are the
// previous bundle's, and the two ledger ranges meet. Ledger indexes that
// lie between them belong to no bundle of this kind: a missing day. The
// previous bundle's own signature is checked by verifying it separately.
func (r *Result) CheckLink(prevDir string) {
	m := r.Manifest
	if m == nil {
		return
	}
	if m.Previous == nil {
		r.add(ManifestFile, "names no previous bundle, but %s was given", filepath.Base(prevDir))
		return
	}
	got, err := LinkTo(prevDir)
	if err != nil {
		r.add(filepath.Base(prevDir), "%v", err)
		return
	}
	p := m.Previous
	switch {
	case got.ManifestSHA256 != p.ManifestSHA256:
		r.add(ManifestFile, "previous bundle %s has manifest SHA-256 %s, the link says %s",
			got.Bundle, got.ManifestSHA256, p.ManifestSHA256)
	case got.Date != p.Date || got.ChainHead != p.ChainHead || got.LedgerLast != p.LedgerLast:
		r.add(ManifestFile, "previous bundle %s does not match the link's date, ledger or chain", got.Bundle)
	case got.Date >= m.Date:
		r.add(ManifestFile, "previous bundle is dated %s, not before %s", got.Date, m.Date)
	case got.LedgerLast+1 < m.Ledger.First:
		r.add(ManifestFile, "ledger indexes %d to %d, between %s and %s, are in no bundle: a missing day",
			got.LedgerLast+1, m.Ledger.First-1, got.Date, m.Date)
	}
}
