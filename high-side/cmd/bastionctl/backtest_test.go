package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBacktestJSON(t *testing.T) {
	data := os.Getenv("BASTION_DATA")
	if data == "" {
		data = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(data, "amlsim")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("test data missing (set BASTION_DATA): %v", err)
	}
	out, err := run(t, "backtest", "--data", data, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		PaySim struct {
			Transactions int `json:"transactions"`
		} `json:"paysim"`
		AMLSim struct {
			Accounts int `json:"accounts"`
		} `json:"amlsim"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if r.PaySim.Transactions != 10000 || r.AMLSim.Accounts != 20000 {
		t.Errorf("got %d PaySim transactions and %d AMLSim accounts, want 10000 and 20000",
			r.PaySim.Transactions, r.AMLSim.Accounts)
	}
}

func TestBacktestErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "pack.toml")
	if err := os.WriteFile(bad, []byte("version = \"x\"\n[nonsense]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"backtest", "--data", t.TempDir()}, "lobster"},
		{[]string{"backtest", "--pack", bad}, "unknown key \"nonsense\""},
	}
	for _, tt := range tests {
		resetFlags(t)
		_, err := run(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
