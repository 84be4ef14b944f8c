package replay

import (
	"io"
	"testing"

	"bastion/high-side/intake"
)

// BenchmarkLoadAMLSim reads the 120,558-row AMLSim transactions file.
func BenchmarkLoadAMLSim(b *testing.B) {
	path := dataFile(b, AMLSimFile)
	for b.Loop() {
		n := 0
		if err := withFile(path, func(r io.Reader, name string) error {
			return ReadAMLSim(r, name, func(intake.Payment) error { n++; return nil })
		}); err != nil || n != 120558 {
			b.Fatalf("got %d rows, %v", n, err)
		}
	}
}
