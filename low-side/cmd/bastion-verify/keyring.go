package main

import (
	"fmt"
	"os"

	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
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
	switch {
	case err != nil && len(transitionFiles) > 0:
		return nil, fmt.Errorf("key ring from %s and %d transition files: %w", keyFile, len(ts), err)
	case err != nil:
		return nil, fmt.Errorf("key %s: %w", keyFile, err)
	}
	return ring, nil
}

// loadAnchors reads and opens each independent checkpoint file with ring
// and adds --min-size when it is not zero.
func loadAnchors(ring *verify.KeyRing, files []string, minSize uint64) ([]verify.Anchor, error) {
	var out []verify.Anchor
	for _, f := range files {
		note, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("failed to read checkpoint: %w", err)
		}
		a, err := ring.OpenAnchor(f, note)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if minSize > 0 {
		out = append(out, verify.MinSize(minSize))
	}
	return out, nil
}

// requireCosigners reads the cosigner verifier key files and makes ring
// demand quorum of their cosignatures on every checkpoint; when quorumSet
// is false, a majority of them (verify.KeyRing.RequireCosignerMajority).
// An explicit quorum must be 1 to the number of files. It returns the
// number required, 0 without files.
func requireCosigners(ring *verify.KeyRing, files []string, quorum int, quorumSet bool) (int, error) {
	if len(files) == 0 {
		if quorumSet {
			return 0, fmt.Errorf("--quorum %d without --cosigner keys", quorum)
		}
		return 0, nil
	}
	keys, err := readCosigners(files)
	if err != nil {
		return 0, err
	}
	if !quorumSet {
		ring.RequireCosignerMajority(keys)
		return len(keys)/2 + 1, nil
	}
	if quorum < 1 || quorum > len(keys) {
		return 0, fmt.Errorf("--quorum %d out of range 1 to %d (the --cosigner keys given)", quorum, len(keys))
	}
	ring.RequireCosigners(checkpoint.Quorum{Keys: keys, Required: quorum})
	return quorum, nil
}

// readCosigners reads the cosigner verifier key files, each a different
// node.
func readCosigners(files []string) ([]checkpoint.CosignerKey, error) {
	var keys []checkpoint.CosignerKey
	seen := map[string]string{} // key name, and name and public key → first file
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("failed to read cosigner key: %w", err)
		}
		k, err := checkpoint.ParseCosignerKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("cosigner key %s: %w", f, err)
		}
		id := k.Name + "\x00" + string(k.Public)
		if first, ok := seen[id]; ok {
			return nil, fmt.Errorf("cosigner key %q given twice (%s and %s): each --cosigner must be a different node", k.Name, first, f)
		}
		if first, ok := seen[k.Name]; ok {
			return nil, fmt.Errorf("two cosigner keys named %q (%s and %s): each node has one key", k.Name, first, f)
		}
		seen[id], seen[k.Name] = f, f
		keys = append(keys, k)
	}
	return keys, nil
}
