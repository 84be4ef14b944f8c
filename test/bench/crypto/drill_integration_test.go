//go:build integration

package main

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"
)

// TestFailoverDrill runs a small drill: 2,000 signatures over three
// SoftHSM instances, one finalised after 600 and brought back after
// 100 ms. No signature may fail, and the token must be UP again.
func TestFailoverDrill(t *testing.T) {
	o := options{module: "/usr/lib/softhsm/libsofthsm2.so", workers: 8, benchSigs: 200, verifies: 200,
		drillSigs: 2000, faultAfter: 600, outage: 100 * time.Millisecond}
	if _, err := os.Stat(o.module); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("SoftHSM missing: %v", err)
	}
	res, err := run(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f := res.Failover
	if f.Failed != 0 {
		t.Errorf("failed_signatures = %d, want 0", f.Failed)
	}
	if f.TokenUpMS < f.OutageMS {
		t.Errorf("token_up_ms = %.1f with an outage of %.1f ms: want the token UP again after the outage", f.TokenUpMS, f.OutageMS)
	}
	var served uint64
	for _, n := range f.Served {
		served += n
	}
	// Every signature was served once, plus the unseal that made the signer.
	if want := uint64(o.drillSigs) + 1; served != want {
		t.Errorf("tokens served %d requests, want %d", served, want)
	}
}
