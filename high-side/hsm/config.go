package hsm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// PINEnv names the environment variable that supplies a PIN for every
// token whose TokenConfig has no PINFile.
const PINEnv = "BASTION_HSM_PIN"

// Config describes an HSM pool. The zero values of the tuning fields select
// the defaults given on each.
type Config struct {
	// Module is the path of the PKCS#11 library, for example
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string `toml:"module"`
	// SoftHSMConf, when set, is the SoftHSM configuration file the module
	// is initialised with (SOFTHSM2_CONF is set to it during C_Initialize
	// only). Empty leaves SOFTHSM2_CONF as the process environment has it.
	SoftHSMConf string `toml:"softhsm_conf"`
	// KEKCheckValue is the hex AES check value every token's KEK must have
	// (PKCS#11 v3.0 §2.8); a token whose KEK differs is quarantined at
	// start-up. It is required: the KEK is found on each token by the
	// CKA_ID derived from it (kekObjectID). The ceremony writes it.
	KEKCheckValue string `toml:"kek_check_value"`
	// Tokens lists the tokens of the pool, found by serial number. All hold
	// the same KEK and signing keys. At least one is required.
	Tokens []TokenConfig `toml:"tokens"`
	// MaxSessions bounds the worker sessions open at once on each token,
	// not counting the keeper session; default 8. A request that finds
	// every session of its token busy waits for one.
	MaxSessions int `toml:"max_sessions"`
	// MaxIdleSessions bounds the idle sessions kept per token; default 8,
	// never more than MaxSessions.
	MaxIdleSessions int `toml:"max_idle_sessions"`
	// IdleTimeout closes worker sessions left idle for longer; default 5m.
	// The keeper session is never closed for idleness, so the token stays
	// logged in when every worker session has gone (REPLAY H3).
	IdleTimeout time.Duration `toml:"idle_timeout"`
	// BackoffMin is the first wait before a DOWN token is probed again;
	// default 1s. Each failed probe doubles it up to BackoffMax.
	BackoffMin time.Duration `toml:"backoff_min"`
	// BackoffMax caps the probe back-off; default 1m.
	BackoffMax time.Duration `toml:"backoff_max"`
	// ProbationSuccesses is how many consecutive successful probes or
	// operations move a PROBATION token back to UP; default 3.
	ProbationSuccesses int `toml:"probation_successes"`
	// HealthInterval is how often a background loop probes DOWN tokens;
	// 0 disables the loop and leaves probing to Check and to requests.
	HealthInterval time.Duration `toml:"health_interval"`

	// Interpose, when set, is called once per token with the token's label
	// (its serial when it has none) and library, and the pool uses what it returns for that token. It is
	// for instrumentation and fault drills, for example holding calls back
	// while a drill finalises a SoftHSM instance (REPLAY H11); production
	// configurations leave it nil. It cannot be set from TOML.
	Interpose func(label string, m Module) Module `toml:"-"`

	// wrap, when set by tests, wraps the loaded module to inject faults.
	wrap func(module) module
}

// TokenConfig names one token of the pool.
type TokenConfig struct {
	// Serial is the token's serial number (CK_TOKEN_INFO.serialNumber, 1 to
	// 16 printable ASCII characters, trailing blanks removed). The pool
	// finds the token by it on every connect, whatever slot it is in, and
	// refuses a token with another serial (ErrWrongToken). Required; the
	// ceremony records it.
	Serial string `toml:"serial"`
	// Label is the token label (CK_TOKEN_INFO.label, at most 32 bytes),
	// for logs and status only: it never selects a token. Optional.
	Label string `toml:"label"`
	// PINFile is the path of a file holding the user PIN on its first line.
	// It must be mode 0600 or stricter. When empty, the PIN comes from the
	// BASTION_HSM_PIN environment variable.
	PINFile string `toml:"pin_file"`
	// Module overrides Config.Module for this token: a separate copy of the
	// SoftHSM library gives the token an instance of its own.
	Module string `toml:"module"`
	// SoftHSMConf overrides Config.SoftHSMConf for this token.
	SoftHSMConf string `toml:"softhsm_conf"`
}

// LoadConfig reads a TOML pool configuration. Relative PIN file paths are
// taken relative to the configuration file's directory. Unknown keys are
// an error naming the key and line.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("failed to read HSM config: %w", err)
	}
	return parseConfig(b, path)
}

// parseConfig parses the TOML text b of the configuration file at path.
func parseConfig(b []byte, path string) (Config, error) {
	var cfg Config
	dec := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			return Config{}, fmt.Errorf("%s: unknown key: %s", path, sm.String())
		}
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	cfg.SoftHSMConf = relativeTo(dir, cfg.SoftHSMConf)
	for i := range cfg.Tokens {
		tc := &cfg.Tokens[i]
		tc.PINFile = relativeTo(dir, tc.PINFile)
		tc.SoftHSMConf = relativeTo(dir, tc.SoftHSMConf)
		if strings.Contains(tc.Module, "/") {
			tc.Module = relativeTo(dir, tc.Module)
		}
	}
	return cfg, cfg.validate()
}

// relativeTo resolves a relative path p against dir; "" stays "".
func relativeTo(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// tokenModule returns the library path and SoftHSM configuration of tc.
func (c *Config) tokenModule(tc TokenConfig) (path, conf string) {
	path, conf = c.Module, c.SoftHSMConf
	if tc.Module != "" {
		path = tc.Module
	}
	if tc.SoftHSMConf != "" {
		conf = tc.SoftHSMConf
	}
	return path, conf
}

// kekID returns the CKA_ID of the KEK, derived from KEKCheckValue.
func (c *Config) kekID() []byte { return kekObjectID(c.KEKCheckValue) }

// validate checks the fields Open needs and fills in defaults.
func (c *Config) validate() error {
	if len(c.Tokens) == 0 {
		return errors.New("HSM config: no tokens")
	}
	seen := map[string]bool{}
	for i, t := range c.Tokens {
		if err := t.validate(); err != nil {
			return fmt.Errorf("HSM config: token %d: %w", i+1, err)
		}
		if path, _ := c.tokenModule(t); path == "" {
			return fmt.Errorf("HSM config: module is empty for token %s", t.Name())
		}
		if seen[t.Serial] {
			return fmt.Errorf("HSM config: token serial %q listed twice", t.Serial)
		}
		seen[t.Serial] = true
	}
	if b, err := hex.DecodeString(c.KEKCheckValue); err != nil || len(b) != 3 {
		return fmt.Errorf("HSM config: kek_check_value %q must be 6 hex digits", c.KEKCheckValue)
	}
	c.KEKCheckValue = strings.ToLower(c.KEKCheckValue)
	err := errors.Join(
		setDefault("max_sessions", &c.MaxSessions, 8),
		setDefault("max_idle_sessions", &c.MaxIdleSessions, 8),
		setDefault("idle_timeout", &c.IdleTimeout, 5*time.Minute),
		setDefault("probation_successes", &c.ProbationSuccesses, 3),
		setDefault("backoff_min", &c.BackoffMin, time.Second),
		setDefault("backoff_max", &c.BackoffMax, time.Minute))
	if err != nil {
		return fmt.Errorf("HSM config: %w", err)
	}
	c.MaxIdleSessions = min(c.MaxIdleSessions, c.MaxSessions)
	return nil
}

// validate checks the serial and the label of one token.
func (tc TokenConfig) validate() error {
	switch {
	case tc.Serial == "":
		return fmt.Errorf("serial missing (label %q): tokens are found by serial number; "+
			"ceremony.json lists them as token_serials", tc.Label)
	case !validSerial(tc.Serial):
		return fmt.Errorf("serial %q must be 1 to 16 printable ASCII characters without blanks", tc.Serial)
	case len(tc.Label) > 32:
		return fmt.Errorf("label %q is over 32 bytes", tc.Label)
	}
	return nil
}

// Name returns how errors name the token: "label (serial S)", or
// "serial S" when it has no label.
func (tc TokenConfig) Name() string {
	if tc.Label == "" {
		return "serial " + tc.Serial
	}
	return tc.Label + " (serial " + tc.Serial + ")"
}

// displayLabel is the label logs and status show: the label, or the
// serial when the token has no label.
func (tc TokenConfig) displayLabel() string {
	if tc.Label == "" {
		return tc.Serial
	}
	return tc.Label
}

// validSerial reports whether s can be a CK_TOKEN_INFO.serialNumber as
// read back: 1 to 16 printable ASCII characters, no blank (PKCS#11 v2.40
// §3.2 pads the field with blanks, which are removed).
func validSerial(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// setDefault gives *v the value def when it is zero, and refuses a
// negative value, naming the setting, rather than replace it in silence.
func setDefault[T int | time.Duration](name string, v *T, def T) error {
	switch {
	case *v < 0:
		return fmt.Errorf("%s %v must not be negative (0 means the default, %v)", name, *v, def)
	case *v == 0:
		*v = def
	}
	return nil
}

// readPIN returns the PIN of tc: the first line of its PIN file, which must
// be a regular file with no group or other permissions, or else the
// BASTION_HSM_PIN variable. It returns ErrPINFile; the PIN itself never
// appears in an error or a log.
func readPIN(tc TokenConfig) (string, error) {
	if tc.PINFile == "" {
		if pin := os.Getenv(PINEnv); pin != "" {
			return pin, nil
		}
		return "", fmt.Errorf("%w: token %s has no pin_file and %s is unset", ErrPINFile, tc.Name(), PINEnv)
	}
	fi, err := os.Stat(tc.PINFile)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrPINFile, err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %v, want 0600", ErrPINFile, tc.PINFile, fi.Mode().Perm())
	}
	b, err := os.ReadFile(tc.PINFile)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrPINFile, err)
	}
	defer clear(b)
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", fmt.Errorf("%w: %s is empty", ErrPINFile, tc.PINFile)
	}
	return string(line), nil
}
