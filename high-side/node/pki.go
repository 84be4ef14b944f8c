package node

import (
	"bastion/high-side/cosign"
	"bastion/high-side/node/peertls"
)

// GeneratePKI writes a cluster CA and a certificate and key for each node
// into dir; see peertls.GeneratePKI for the files and their modes. The
// files for node id are peertls.CACertFile, peertls.NodeCertFile(id) and
// peertls.NodeKeyFile(id). It also writes each node's checkpoint
// cosigning key, cosign.KeyFile(dir, id) (0600), and its verifier key,
// cosign.VerifierKeyFile(dir, id).
func GeneratePKI(dir string, nodeIDs []string, hosts []string) error {
	if err := peertls.GeneratePKI(dir, nodeIDs, hosts); err != nil {
		return err
	}
	for _, id := range nodeIDs {
		if _, err := cosign.GenerateKey(dir, id); err != nil {
			return err
		}
	}
	return nil
}
