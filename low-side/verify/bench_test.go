package verify_test

import (
	"os"
	"path/filepath"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
)

// BenchmarkArchive verifies an export of 100,000 entries in batches of
// 1,000 written by export.Dir (batches and tiles) and reports the rate in
// entries per minute:
//
//	go test ./low-side/verify -run '^$' -bench Archive -benchtime 3x
func BenchmarkArchive(b *testing.B) {
	const entries, per = 100_000, 1_000
	dir := b.TempDir()
	hs := guardtest.New(b, "link-1")
	d, err := export.Create(dir)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < entries; i += per {
		for j := range per {
			hs.Append(b, guardtest.Order(b, i+j, guardtest.Releasable))
		}
		seq, raw := hs.Next(b)
		f := export.Published{File: export.File{Seq: seq}, Data: raw}
		head := export.ChainHead{Records: seq, Seq: seq, Size: hs.Size(), Root: hs.Root(b, hs.Size())}
		if err := d.Publish([]export.Published{f}, hs.Note(b, hs.Size()), head); err != nil {
			b.Fatal(err)
		}
	}
	os.Remove(filepath.Join(dir, export.ChainHeadFile)) // the chain hash is not rebuilt here
	key, err := verify.ParseKey(hs.KeyText())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := verify.Archive(dir, key, batch.Limits{})
		if err != nil || rep.Size != entries {
			b.Fatalf("Archive: size %d, %v", rep.Size, err)
		}
	}
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Minutes(), "entries/min")
}
