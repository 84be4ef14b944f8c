package node

import "bastion/high-side/node/peertls"

// GeneratePKI writes a cluster CA and a certificate and key for each node
// into dir; see peertls.GeneratePKI for the files and their modes. The
// files for node id are peertls.CACertFile, peertls.NodeCertFile(id) and
// peertls.NodeKeyFile(id).
func GeneratePKI(dir string, nodeIDs []string, hosts []string) error {
	return peertls.GeneratePKI(dir, nodeIDs, hosts)
}
