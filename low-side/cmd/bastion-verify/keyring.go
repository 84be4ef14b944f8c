package main

import (
	"fmt"
	"os"

	"bastion/low-side/verify"
)

// loadRing reads the published key file and the transition files, in any
// order, and builds the key ring. Without transitions the ring holds the
// published key alone, valid at every ledger size.
func loadRing(keyFile string, transitionFiles []string) (*verify.KeyRing, error) {
	text, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read key: %w", err)
	}
	var ts [][]byte
	for _, f := range transitionFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("failed to read transition: %w", err)
		}
		ts = append(ts, b)
	}
	ring, err := verify.ParseKeyRing(text, ts...)
	if err != nil && len(transitionFiles) > 0 {
		return nil, fmt.Errorf("key ring from %s and %d transition files: %w", keyFile, len(ts), err)
	}
	return ring, err
}
