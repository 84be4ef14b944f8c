package appliance

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	firmwareconfig "bastion/firmware-config"
)

// TestCheckConfig checks that every float of the configuration refuses
// NaN and ±Inf, naming the key, and that the default passes.
func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name string
		set  func(*firmwareconfig.Appliance)
		key  string // "" when the configuration is fine
	}{
		{"default", func(*firmwareconfig.Appliance) {}, ""},
		{"loss NaN", func(c *firmwareconfig.Appliance) { c.Link.Loss = math.NaN() }, "link.loss"},
		{"loss +Inf", func(c *firmwareconfig.Appliance) { c.Link.Loss = math.Inf(1) }, "link.loss"},
		{"loss -Inf", func(c *firmwareconfig.Appliance) { c.Link.Loss = math.Inf(-1) }, "link.loss"},
		{"rate NaN", func(c *firmwareconfig.Appliance) { c.Link.RateMbps = math.NaN() }, "link.rate_mbps"},
		{"rate +Inf", func(c *firmwareconfig.Appliance) { c.Link.RateMbps = math.Inf(1) }, "link.rate_mbps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := firmwareconfig.Parse("appliance.toml", firmwareconfig.Default)
			if err != nil {
				t.Fatal(err)
			}
			tt.set(cfg)
			err = CheckConfig(cfg)
			switch {
			case tt.key == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.key != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.key+": ")):
				t.Errorf("got %v, want an error starting %q", err, tt.key+": ")
			}
		})
	}
}

// TestCheckConfigParsed goes through TOML, as the command does: nan and
// inf in a link figure are refused, by the loader or by the check, with
// the key named.
func TestCheckConfigParsed(t *testing.T) {
	for _, tt := range []struct{ toml, key string }{
		{"[link]\nloss = nan\n", "link.loss: NaN"},
		{"[link]\nrate_mbps = inf\n", "link.rate_mbps: +Inf"},
		{"[link]\nrate_mbps = -nan\n", "link.rate_mbps: NaN"},
	} {
		cfg, err := firmwareconfig.Parse("c.toml", []byte(tt.toml))
		if err == nil {
			err = CheckConfig(cfg)
		}
		if err == nil || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("%q: got %v, want an error naming %q", tt.toml, err, tt.key)
		}
	}
}

// FuzzCheckConfig checks that a configuration the loader and CheckConfig
// both accept has link figures summary.json can encode, and that the
// check never panics.
func FuzzCheckConfig(f *testing.F) {
	f.Add("[link]\nloss = nan\n")
	f.Add("[link]\nloss = 0.1\nrate_mbps = inf\n")
	f.Add("[link]\nrate_mbps = 1e308\n")
	f.Add(string(firmwareconfig.Default))
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := firmwareconfig.Parse("fuzz.toml", []byte(s))
		if err != nil || CheckConfig(cfg) != nil {
			return
		}
		if _, err := json.Marshal(LinkSummary{Loss: cfg.Link.Loss}); err != nil {
			t.Fatalf("accepted loss %v does not encode: %v", cfg.Link.Loss, err)
		}
		if _, err := json.Marshal(cfg); err != nil {
			t.Fatalf("accepted configuration does not encode: %v", err)
		}
	})
}
