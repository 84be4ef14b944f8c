package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Services configures what a node runs around its Raft core: the floor's
// listeners, the HSM, the monitor and the diode link. It is read from TOML;
// unknown keys stop start-up with the file, line and key named.
type Services struct {
	// GatewayListen is the HTTPS JSON API address, host:port.
	GatewayListen string `toml:"gateway_listen"`
	// FIXListen is the FIX acceptor address, host:port; empty turns it off.
	FIXListen string `toml:"fix_listen"`
	// FIXCompID is the acceptor's own CompID.
	FIXCompID string `toml:"fix_comp_id"`
	// FIXSessions are the counterparties allowed to log on.
	FIXSessions []FIXSession `toml:"fix_sessions"`
	// HSMDir is the key-ceremony directory (hsm.toml, keys/, softhsm2.conf).
	HSMDir string `toml:"hsm_dir"`
	// KeyName names the hybrid signing key in HSMDir/keys.
	KeyName string `toml:"key_name"`
	// MonitorConfig is a rule-pack TOML file; empty uses the built-in pack.
	MonitorConfig string `toml:"monitor_config"`
	// Form4Dir adds the issuers of the SEC Form 4 filings (*.xml) in this
	// folder to the restricted list.
	Form4Dir string `toml:"form4_dir"`
	// ClearanceConfig is a clearance-policy TOML file; empty uses the
	// built-in policy.
	ClearanceConfig string `toml:"clearance_config"`
	// RulePackKey is the public key (hybrid key text, as bastionctl rules
	// keygen writes it) whose signed rule packs this node accepts through
	// POST /v1/rulepack; empty refuses every push.
	RulePackKey string `toml:"rule_pack_key"`
	// RecordsSchedule is a retention schedule TOML file; empty uses the
	// built-in schedule (bastionctl records schedule prints it).
	RecordsSchedule string `toml:"records_schedule"`
	// LegalHolds is a TOML file of legal holds ([[hold]] matter, indexes,
	// ids); entries under a hold are never disposed.
	LegalHolds string `toml:"legal_holds"`
	// MetricsListen serves /metrics on this address when set.
	MetricsListen string `toml:"metrics_listen"`
	// Link is the one-way audit link.
	Link LinkConfig `toml:"link"`
	// Cosign makes the nodes cosign every exported checkpoint.
	Cosign CosignConfig `toml:"cosign"`
}

// CosignConfig configures checkpoint cosigning. With KeysDir empty the
// node neither cosigns nor asks for cosignatures.
type CosignConfig struct {
	// KeysDir holds this node's <id>.cosign.key (mode 0600) and every
	// node's <id>.cosign.vkey.
	KeysDir string `toml:"keys_dir"`
	// Quorum is the number of distinct nodes, the leader included, whose
	// cosignatures a checkpoint needs; 0 means a majority of the peers.
	Quorum int `toml:"quorum"`
	// Timeout bounds one collection of cosignatures (default 2s).
	Timeout tomlDuration `toml:"timeout"`
}

// FIXSession is one FIX counterparty. Its Logon must come over TLS with a
// client certificate whose subject CommonName is listed in Certificates,
// or, when none are listed, equals SenderCompID (fix.SessionConfig).
type FIXSession struct {
	BeginString  string   `toml:"begin_string"`
	SenderCompID string   `toml:"sender_comp_id"`
	Trader       string   `toml:"trader"`
	Certificates []string `toml:"certificates"`
}

// LinkConfig configures the exporter and the diode sender.
type LinkConfig struct {
	Name            string         `toml:"name"`
	GuardAddr       string         `toml:"guard_addr"`      // host:port of the guard (or the link in between)
	GuardKey        string         `toml:"guard_key"`       // the guard's HPKE public key file
	ReleaseLabel    string         `toml:"release_label"`   // what may cross in full
	MaxDataShards   int            `toml:"max_data_shards"` // 0: diode default
	ParityShards    int            `toml:"parity_shards"`   // 0: sized from design_loss
	DesignLoss      float64        `toml:"design_loss"`     // loss the FEC is sized for
	ShardBytes      int            `toml:"shard_bytes"`     // 0: fits a 1500-byte MTU
	RateMbps        float64        `toml:"rate_mbps"`       // pacing; 0: diode default
	BatchInterval   tomlDuration   `toml:"batch_interval"`
	BatchMaxEntries int            `toml:"batch_max_entries"`
	Carousel        []tomlDuration `toml:"carousel"` // resend delays; empty: diode default
}

type tomlDuration struct{ time.Duration }

func (d *tomlDuration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("malformed duration %q", b)
	}
	d.Duration = v
	return nil
}

func (d tomlDuration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// loadServices reads and checks the services file at path.
func loadServices(path string) (*Services, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read services configuration: %w", err)
	}
	var s Services
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) && len(strict.Errors) > 0 {
			e := strict.Errors[0]
			row, _ := e.Position()
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, row, strings.Join(e.Key(), "."))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return nil, fmt.Errorf("%s:%d: key %q: %v", path, row, strings.Join(de.Key(), "."), de)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

func (s *Services) validate() error {
	switch {
	case s.GatewayListen == "":
		return errors.New("gateway_listen: missing")
	case s.HSMDir == "":
		return errors.New("hsm_dir: missing")
	case s.KeyName == "":
		return errors.New("key_name: missing")
	case s.Link.Name == "":
		return errors.New("link.name: missing")
	case s.Link.GuardAddr == "":
		return errors.New("link.guard_addr: missing")
	case s.Link.GuardKey == "":
		return errors.New("link.guard_key: missing")
	case s.Link.ReleaseLabel == "":
		return errors.New("link.release_label: missing")
	// NaN fails every comparison, so these ranges refuse it.
	case !(s.Link.DesignLoss >= 0 && s.Link.DesignLoss < 0.5):
		return fmt.Errorf("link.design_loss: %v out of range [0, 0.5) (0: the diode's default)", s.Link.DesignLoss)
	case !(s.Link.RateMbps >= 0 && s.Link.RateMbps <= 100_000):
		return fmt.Errorf("link.rate_mbps: %v out of range [0, 100000] (0: the diode's default)", s.Link.RateMbps)
	case s.Cosign.Quorum < 0:
		return errors.New("cosign.quorum: must not be negative")
	case s.Cosign.Timeout.Duration < 0:
		return errors.New("cosign.timeout: must not be negative")
	}
	return nil
}
