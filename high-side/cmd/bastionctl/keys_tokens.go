package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"bastion/high-side/hsm"
)

// tokenInfo is what `keys show` prints for each token of the pool.
type tokenInfo struct {
	Label     string `json:"label"`
	Serial    string `json:"serial"`
	State     string `json:"state"`
	KEKCheck  string `json:"kek_check_value,omitempty"`
	LastError string `json:"last_error,omitempty"`
	RetryAt   string `json:"retry_at,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// readTokens opens the pool of DIR/hsm.toml, which logs in to every token
// and cross-checks their keys, and returns each token's status. It returns
// nil, nil when DIR has no hsm.toml.
func readTokens(ctx context.Context, dir string) ([]tokenInfo, error) {
	cfgPath := filepath.Join(dir, "hsm.toml")
	if _, err := os.Stat(cfgPath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	cfg, err := hsm.LoadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if _, err := os.Stat(conf); cfg.SoftHSMConf == "" && err == nil && os.Getenv("SOFTHSM2_CONF") == "" {
		cfg.SoftHSMConf = conf
	}
	p, err := hsm.Open(ctx, cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("failed to open HSM pool: %w", err)
	}
	defer p.Close()
	var out []tokenInfo
	for _, s := range p.Status() {
		ti := tokenInfo{Label: s.Label, Serial: s.Serial, State: s.State.String(), KEKCheck: s.KEKCheck, Reason: s.Reason}
		if s.State == hsm.StateDown {
			ti.LastError = s.LastError.String()
			ti.RetryAt = s.RetryAt.UTC().Format(time.RFC3339)
		}
		out = append(out, ti)
	}
	return out, nil
}

// printTokens writes one line per token: label, state, serial, then
// key=value fields that apply.
func printTokens(w io.Writer, tokens []tokenInfo) {
	for _, t := range tokens {
		fmt.Fprintf(w, "token %s %s serial=%s", t.Label, t.State, t.Serial)
		if t.KEKCheck != "" {
			fmt.Fprintf(w, " kek_check_value=%s", t.KEKCheck)
		}
		if t.LastError != "" {
			fmt.Fprintf(w, " last_error=%s retry_at=%s", t.LastError, t.RetryAt)
		}
		if t.Reason != "" {
			fmt.Fprintf(w, " reason=%q", t.Reason)
		}
		fmt.Fprintln(w)
	}
}
