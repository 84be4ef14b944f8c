// Package firmwareconfig loads the appliance's declarative configuration.
//
// The configuration is TOML. Loading is strict: an unknown or misplaced key,
// a value of the wrong type or a value out of range stops start-up with an
// error that names the file, the line and the key. No default is ever used
// silently in place of a key that was written but not understood.
package firmwareconfig

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"bastion/shared/entry"

	"github.com/pelletier/go-toml/v2"
)

// Default is the embedded default configuration used by `make run`.
//
//go:embed appliance.toml
var Default []byte

// Appliance is the whole appliance's configuration.
type Appliance struct {
	Appliance struct {
		Name string `toml:"name"`
	} `toml:"appliance"`
	HighSide HighSide `toml:"high_side"`
	Link     Link     `toml:"link"`
	Release  struct {
		Label string `toml:"label"`
	} `toml:"release"`
	Guard struct {
		Port        int `toml:"port"`
		MetricsPort int `toml:"metrics_port"`
	} `toml:"guard"`
	Portal struct {
		Port int `toml:"port"`
	} `toml:"portal"`
}

// HighSide describes the Raft members and their listeners.
type HighSide struct {
	Nodes       []string `toml:"nodes"`
	Host        string   `toml:"host"`
	RaftPort    int      `toml:"raft_port"`
	GatewayPort int      `toml:"gateway_port"`
	FIXPort     int      `toml:"fix_port"`
	HSMModule   string   `toml:"hsm_module"`
}

// Link describes the one-way audit link.
type Link struct {
	Name            string   `toml:"name"`
	Loss            float64  `toml:"loss"`
	DataShards      int      `toml:"data_shards"`
	ParityShards    int      `toml:"parity_shards"`
	PayloadBytes    int      `toml:"payload_bytes"`
	RateMbps        float64  `toml:"rate_mbps"`
	BatchInterval   Duration `toml:"batch_interval"`
	BatchMaxEntries int      `toml:"batch_max_entries"`
}

// Duration is a time.Duration written as a Go duration string ("250ms").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("malformed duration %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Load reads and checks the configuration file at path.
func Load(path string) (*Appliance, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read configuration: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes and checks configuration bytes over the embedded default:
// keys the file does not set keep their default value. name is used in
// errors.
func Parse(name string, b []byte) (*Appliance, error) {
	var a Appliance
	if err := decode(&a, Default); err != nil {
		return nil, describe("default appliance.toml", err)
	}
	if err := decode(&a, b); err != nil {
		return nil, describe(name, err)
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &a, nil
}

func decode(a *Appliance, b []byte) error {
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(a)
}

// describe turns a decoder error into "file:line: key: problem".
func describe(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		var msgs []string
		for _, e := range strict.Errors {
			row, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", name, row, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return fmt.Errorf("%s:%d: key %q: %s", name, row, strings.Join(de.Key(), "."), de.Error())
	}
	return fmt.Errorf("%s: %v", name, err)
}

func (a *Appliance) validate() error {
	h, l := a.HighSide, a.Link
	switch {
	case len(h.Nodes) < 1 || len(h.Nodes) > 9:
		return fmt.Errorf("high_side.nodes: %d nodes, want 1 to 9", len(h.Nodes))
	case h.Host == "":
		return errors.New("high_side.host: missing")
	case l.Name == "":
		return errors.New("link.name: missing")
	// Ranges are written so that NaN, for which every comparison is
	// false, falls outside them.
	case !(l.Loss >= 0 && l.Loss < 0.5):
		return fmt.Errorf("link.loss: %v out of range [0, 0.5)", l.Loss)
	case !(l.RateMbps >= 0 && l.RateMbps <= 100_000):
		return fmt.Errorf("link.rate_mbps: %v out of range [0, 100000] (0: the diode's default)", l.RateMbps)
	case l.DataShards < 1 || l.ParityShards < 0 || l.DataShards+l.ParityShards > 256:
		return fmt.Errorf("link: %d data and %d parity shards out of range", l.DataShards, l.ParityShards)
	case l.PayloadBytes < 256 || l.PayloadBytes > 65000:
		return fmt.Errorf("link.payload_bytes: %d out of range [256, 65000]", l.PayloadBytes)
	case l.BatchInterval.Duration <= 0 || l.BatchInterval.Duration > time.Second:
		return fmt.Errorf("link.batch_interval: %v out of range (0, 1s]", l.BatchInterval)
	case l.BatchMaxEntries < 1 || l.BatchMaxEntries > 65536:
		return fmt.Errorf("link.batch_max_entries: %d out of range [1, 65536]", l.BatchMaxEntries)
	}
	seen := map[string]bool{}
	for _, n := range h.Nodes {
		if n == "" || seen[n] {
			return fmt.Errorf("high_side.nodes: node name %q empty or listed twice", n)
		}
		seen[n] = true
	}
	ports := []struct {
		key  string
		port int
	}{{"high_side.raft_port", h.RaftPort}, {"high_side.gateway_port", h.GatewayPort},
		{"high_side.fix_port", h.FIXPort}, {"guard.port", a.Guard.Port},
		{"guard.metrics_port", a.Guard.MetricsPort}, {"portal.port", a.Portal.Port}}
	for _, p := range ports {
		if p.port < 0 || p.port > 65535 {
			return fmt.Errorf("%s: port %d out of range [0, 65535]", p.key, p.port)
		}
	}
	if _, err := entry.ParseLabel(a.Release.Label); err != nil {
		return fmt.Errorf("release.label: %w", err)
	}
	return nil
}
