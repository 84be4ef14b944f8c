package guard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"bastion/shared/entry"
)

// Config is the guard's configuration, read from a TOML file by
// LoadConfig. Every key is documented in guard/README.md; unknown keys are
// an error.
type Config struct {
	// Link is the diode link name the receiver accepts. Required.
	Link string `toml:"link"`
	// Listen is the UDP address the diode receiver binds, "host:port".
	Listen string `toml:"listen"`
	// MetricsListen is the TCP address of the Prometheus /metrics endpoint;
	// empty turns it off.
	MetricsListen string `toml:"metrics_listen"`
	// HPKEKeyFile is the guard's diode private key (mode 0600).
	HPKEKeyFile string `toml:"hpke_key_file"`
	// HighSideKeyFile is the high side's published hybrid public key, one
	// line in the text form of package hybrid.
	HighSideKeyFile string `toml:"high_side_key_file"`
	// HighSideTransitions lists transition statement files (hybrid
	// Transition, signed by the outgoing and the incoming key), in any
	// order. Each batch and checkpoint must then be signed by the key valid
	// at its ledger size (verify.KeyRing). Empty: the published key alone.
	HighSideTransitions []string `toml:"high_side_transitions"`
	// CosignerKeys lists the high-side nodes' cosigner verifier key files
	// (C2SP vkey, one per file); CosignQuorum is how many distinct nodes
	// must have cosigned every checkpoint. Empty keys and quorum 0 check
	// the hybrid signature alone.
	CosignerKeys []string `toml:"cosigner_keys"`
	CosignQuorum int      `toml:"cosign_quorum"`
	// ReleaseLabel is the highest label that may cross, "level" or
	// "level/comp1,comp2".
	ReleaseLabel string `toml:"release_label"`
	// StateDir holds the archive and the guard log.
	StateDir string `toml:"state_dir"`
	// ExportDir is the export directory the guard publishes to.
	ExportDir string `toml:"export_dir"`
	// Names lists personal names the scanner rejects, and NamesFile names
	// a file with one more per line (blank lines and lines starting with
	// '#' ignored).
	Names     []string `toml:"names"`
	NamesFile string   `toml:"names_file"`
	// DirtyWords lists words rejected anywhere in any field.
	DirtyWords []string `toml:"dirty_words"`
	// Limits bounds what the guard accepts and holds.
	Limits Limits `toml:"limits"`
}

// Limits bounds batches and the pending buffer. Zero fields take the
// defaults below.
type Limits struct {
	// MaxBatchBytes is the largest batch accepted, in bytes (default 8 MiB).
	MaxBatchBytes int `toml:"max_batch_bytes"`
	// MaxItems is the largest number of entries in one batch (default 65536).
	MaxItems int `toml:"max_items"`
	// PendingBatches and PendingBytes bound the batches held while an
	// earlier one is missing (defaults 256 and 64 MiB).
	PendingBatches int `toml:"pending_batches"`
	PendingBytes   int `toml:"pending_bytes"`
}

// Default limits.
const (
	DefaultMaxBatchBytes  = 8 << 20
	DefaultMaxItems       = 1 << 16
	DefaultPendingBatches = 256
	DefaultPendingBytes   = 64 << 20
)

// withDefaults returns l with zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.MaxBatchBytes, DefaultMaxBatchBytes)
	def(&l.MaxItems, DefaultMaxItems)
	def(&l.PendingBatches, DefaultPendingBatches)
	def(&l.PendingBytes, DefaultPendingBytes)
	return l
}

// ErrConfig is wrapped by every error LoadConfig and ParseConfig return.
var ErrConfig = errors.New("invalid guard configuration")

// LoadConfig reads and checks the TOML file at path. Errors name the file,
// and for syntax errors and unknown keys the line and the key.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return ParseConfig(path, b)
}

// ParseConfig decodes and checks a configuration; name is used in errors.
func ParseConfig(name string, b []byte) (*Config, error) {
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, tomlError(name, err)
	}
	c.Limits = c.Limits.withDefaults()
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, name, err)
	}
	return &c, nil
}

// tomlError turns a decoder error into one naming file, line and key.
func tomlError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		var msgs []string
		for _, e := range strict.Errors {
			row, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", name, row, strings.Join(e.Key(), ".")))
		}
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		key := strings.Join(de.Key(), ".")
		return fmt.Errorf("%w: %s:%d:%d: key %q: %v", ErrConfig, name, row, col, key, de)
	}
	return fmt.Errorf("%w: %s: %v", ErrConfig, name, err)
}

// check validates values that decoded.
func (c *Config) check() error {
	required := map[string]string{
		"link": c.Link, "listen": c.Listen, "hpke_key_file": c.HPKEKeyFile,
		"high_side_key_file": c.HighSideKeyFile, "release_label": c.ReleaseLabel,
		"state_dir": c.StateDir, "export_dir": c.ExportDir,
	}
	for _, k := range []string{"link", "listen", "hpke_key_file", "high_side_key_file",
		"release_label", "state_dir", "export_dir"} {
		if required[k] == "" {
			return fmt.Errorf("missing required key %q", k)
		}
	}
	if err := checkFiles("high_side_transitions", c.HighSideTransitions); err != nil {
		return err
	}
	if err := checkFiles("cosigner_keys", c.CosignerKeys); err != nil {
		return err
	}
	if c.CosignQuorum < 0 || c.CosignQuorum > len(c.CosignerKeys) {
		return fmt.Errorf("key \"cosign_quorum\": %d out of range 0 to %d (the cosigner keys given)", c.CosignQuorum, len(c.CosignerKeys))
	}
	if _, err := entry.ParseLabel(c.ReleaseLabel); err != nil {
		return fmt.Errorf("key \"release_label\": %v", err)
	}
	l := c.Limits
	switch {
	case l.MaxBatchBytes < 1 || l.MaxBatchBytes > 1<<30:
		return fmt.Errorf("key \"limits.max_batch_bytes\": %d out of range 1 to 1 GiB", l.MaxBatchBytes)
	case l.MaxItems < 1 || l.MaxItems > 1<<24:
		return fmt.Errorf("key \"limits.max_items\": %d out of range 1 to 16777216", l.MaxItems)
	case l.PendingBatches < 1 || l.PendingBytes < l.MaxBatchBytes:
		return errors.New("keys \"limits.pending_*\": the pending buffer must hold at least one batch")
	}
	return nil
}

// checkFiles requires a list of file names to hold no empty or repeated
// name.
func checkFiles(key string, files []string) error {
	seen := map[string]bool{}
	for i, f := range files {
		switch {
		case f == "":
			return fmt.Errorf("key %q: entry %d is empty", key, i+1)
		case seen[f]:
			return fmt.Errorf("key %q: %q is listed twice", key, f)
		}
		seen[f] = true
	}
	return nil
}

// NameList returns Names plus the names read from NamesFile.
func (c *Config) NameList() ([]string, error) {
	names := append([]string(nil), c.Names...)
	if c.NamesFile == "" {
		return names, nil
	}
	b, err := os.ReadFile(c.NamesFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read names file: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	return names, nil
}
