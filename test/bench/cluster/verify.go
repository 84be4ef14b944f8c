package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"

	"bastion/high-side/cosign"
)

// Verification is one timed run of bastion-verify over the guard's export
// directory.
type Verification struct {
	Entries       uint64  `json:"ledger_size"`
	Batches       uint64  `json:"batches"`
	FullEntries   uint64  `json:"full_entries"`
	Problems      int     `json:"problems"`
	Seconds       float64 `json:"seconds"`
	EntriesPerMin float64 `json:"entries_per_min"`
	// CPUSeconds is the verifier's CPU time, user and system; on a busy
	// machine it says more than the wall time.
	CPUSeconds       float64 `json:"cpu_seconds"`
	EntriesPerCPUMin float64 `json:"entries_per_cpu_min"`
	Command          string  `json:"command"`
}

// Verify runs `bastion-verify archive EXPORT --key KEY --json` as an
// auditor would and times it, process start included.
func (c *Cluster) Verify(ctx context.Context) (Verification, error) {
	bin := filepath.Join(c.opts.Bin, "bastion-verify")
	args := []string{"archive", c.Layout.ExportDir(), "--key", c.PublicKeyFile(), "--json"}
	for _, n := range c.Layout.Nodes {
		args = append(args, "--cosigner", cosign.VerifierKeyFile(c.Layout.PKIDir(), n.ID))
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.Output()
	elapsed := time.Since(start)
	v := Verification{Seconds: round(elapsed.Seconds(), 3), Command: bin + " " + join(args)}
	if ps := cmd.ProcessState; ps != nil {
		v.CPUSeconds = round((ps.UserTime() + ps.SystemTime()).Seconds(), 3)
	}
	var rep struct {
		Batches  uint64            `json:"batches"`
		Entries  uint64            `json:"entries"`
		Size     uint64            `json:"ledger_size"`
		Problems []json.RawMessage `json:"problems"`
		More     int               `json:"more_problems"`
	}
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		return v, fmt.Errorf("bastion-verify: %v (output %q)", err, out[:min(len(out), 300)])
	}
	v.Entries, v.Batches, v.FullEntries = rep.Size, rep.Batches, rep.Entries
	v.Problems = len(rep.Problems) + rep.More
	v.EntriesPerMin = round(float64(v.Entries)/elapsed.Minutes(), 0)
	if v.CPUSeconds > 0 {
		v.EntriesPerCPUMin = round(float64(v.Entries)/v.CPUSeconds*60, 0)
	}
	if err != nil {
		return v, fmt.Errorf("bastion-verify found %d problems: %w", v.Problems, err)
	}
	return v, nil
}

func join(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}
