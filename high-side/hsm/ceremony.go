package hsm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// Ceremony describes a key ceremony: it initialises the tokens, installs
// the KEK in each from a secret split among custodians, makes the signing
// key in the first token and clones it to the others, seals a fresh ML-DSA
// seed, and writes the directory laid out in README.md.
type Ceremony struct {
	// Dir is the ceremony directory. It must not exist or be empty.
	Dir string
	// Module is the PKCS#11 library path.
	Module string
	// Tokens is how many tokens to initialise; default 3.
	Tokens int
	// Suite is the composite suite; default hybrid.SuiteMLDSA65P256.
	Suite hybrid.Suite
	// KeyName names the signing key, its label on the tokens and its files
	// under keys/; default "high-side".
	KeyName string
	// LabelPrefix prefixes token labels ("<prefix>-1" ...); default "bastion".
	LabelPrefix string
	// Threshold and Shares set the custodian sharing; default 3 of 5.
	Threshold, Shares int
	// SoftHSM, when true, writes Dir/softhsm2.conf with its token directory
	// Dir/tokens and initialises the module with it (SOFTHSM2_CONF is set
	// during C_Initialize only). The module must not be loaded yet in this
	// process.
	SoftHSM bool
	// Instances, with SoftHSM, gives every token a SoftHSM instance of its
	// own: a copy of Module at Dir/softhsm/<label>/libsofthsm2.so with its
	// own softhsm2.conf and token directory beside it. One instance failing
	// then takes only its own token down. hsm.toml names each token's copy.
	Instances bool
}

// KEKLabel is the label of the key-encryption key on every token.
const KEKLabel = "bastion-kek"

// CeremonyResult lists what a ceremony produced; it holds no secret.
type CeremonyResult struct {
	Ceremony string `json:"ceremony"`
	Suite    string `json:"suite"`
	KeyName  string `json:"key_name"`
	KeyID    string `json:"key_id"`
	// Tokens are the token labels, for display.
	Tokens []string `json:"tokens"`
	// TokenSerials are the tokens' serial numbers (CK_TOKEN_INFO
	// .serialNumber), in the order of Tokens; the pool finds tokens by
	// them. A recovery records the serials of its new tokens.
	TokenSerials   []string `json:"token_serials,omitempty"`
	KEKCheckValue  string   `json:"kek_check_value"`
	Threshold      int      `json:"threshold"`
	Shares         int      `json:"shares"`
	Config         string   `json:"config"`
	PublicKeyFile  string   `json:"public_key_file"`
	SealedSeedFile string   `json:"sealed_seed_file"`
	ShareFiles     []string `json:"share_files"`
	CommitmentFile string   `json:"commitment_file"`
	// ECBackupFile is keys/<name>.ecwrap, the KEK-wrapped ECDSA key that
	// recovery restores (WrappedKey).
	ECBackupFile string `json:"ec_backup_file,omitempty"`
	Created      string `json:"created"`
	// Recovered is when the directory was rebuilt by a Recovery (RFC 3339,
	// UTC); empty for an original ceremony, whose time Created keeps.
	Recovered string `json:"recovered,omitempty"`
}

// ceremonyRun is the state of one ceremony while it runs.
type ceremonyRun struct {
	Ceremony
	mods      []*pkcs11.Ctx // per token; the same value when they share one
	res       *CeremonyResult
	labels    []string
	serials   []string
	pins      []string
	sessions  []pkcs11.SessionHandle
	keks      []pkcs11.ObjectHandle
	ecWrapped []byte      // the EC key wrapped under the KEK, see WrappedKey
	created   *createdDir // what makeDir created; nil until it does
}

// Run performs the ceremony. It refuses with ErrCeremonyExists when Dir is
// in use. A failed ceremony removes what it created in the file system
// (Dir, or its entries when Dir existed empty) and nothing else; tokens it
// initialised on a hardware module stay initialised. logger may be nil.
// No PIN, key or seed is logged or returned.
func (c Ceremony) Run(ctx context.Context, logger *slog.Logger) (*CeremonyResult, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := c.defaults(); err != nil {
		return nil, err
	}
	r := &ceremonyRun{Ceremony: c, res: &CeremonyResult{
		Ceremony: randomHex(16), Suite: string(c.Suite), KeyName: c.KeyName,
		Threshold: c.Threshold, Shares: c.Shares, Created: time.Now().UTC().Format(time.RFC3339),
	}}
	defer r.closeSessions()
	steps := []step{
		{"create directory", r.makeDir},
		{"load module", r.loadModule},
		{"initialise tokens", r.initTokens},
		{"install KEK", r.installKEK},
		{"make signing key", r.makeKeys},
		{"write configuration", r.writeConfig},
	}
	if err := runSteps(ctx, logger, "ceremony", steps); err != nil {
		return nil, r.undo(err)
	}
	return r.res, nil
}

// undo closes the sessions and removes what the run created, after it
// failed with err. It returns err, joined with any failure to remove.
func (r *ceremonyRun) undo(err error) error {
	r.closeSessions()
	if r.created == nil {
		return err
	}
	return errors.Join(err, r.created.remove())
}

func (c *Ceremony) defaults() error {
	if err := errors.Join(setDefault("tokens", &c.Tokens, 3), setDefault("threshold", &c.Threshold, 3),
		setDefault("shares", &c.Shares, 5)); err != nil {
		return fmt.Errorf("ceremony: %w", err)
	}
	if c.Suite == "" {
		c.Suite = hybrid.SuiteMLDSA65P256
	}
	if c.KeyName == "" {
		c.KeyName = "high-side"
	}
	if c.LabelPrefix == "" {
		c.LabelPrefix = "bastion"
	}
	switch {
	case c.Dir == "" || c.Module == "":
		return errors.New("ceremony: dir and module are required")
	case c.Suite.Label() == "":
		return fmt.Errorf("ceremony: %w: %q", hybrid.ErrUnknownSuite, string(c.Suite))
	case !hybrid.ValidKeyName(c.KeyName) || !hybrid.ValidKeyName(c.LabelPrefix):
		return errors.New("ceremony: key name and label prefix must match [A-Za-z0-9._-]{1,64}")
	case len(c.LabelPrefix)+4 > 32:
		return errors.New("ceremony: label prefix too long for a 32-byte token label")
	case c.Tokens < 1 || c.Tokens > 64:
		return fmt.Errorf("ceremony: %d tokens, want 1 to 64", c.Tokens)
	case c.Threshold < 2 || c.Threshold > c.Shares || c.Shares > 255:
		return fmt.Errorf("ceremony: invalid sharing %d-of-%d", c.Threshold, c.Shares)
	}
	return nil
}

// makeDir creates Dir and its subdirectories, refusing a used one.
func (r *ceremonyRun) makeDir() error {
	if entries, err := os.ReadDir(r.Dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%w: %s", ErrCeremonyExists, r.Dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	created, err := newCreatedDir(r.Dir)
	if err != nil {
		return err
	}
	r.created = created
	for _, d := range []string{"", "pins", "keys", "shares"} {
		if err := os.MkdirAll(filepath.Join(r.Dir, d), 0o700); err != nil {
			return err
		}
	}
	switch {
	case !r.SoftHSM:
		return nil
	case r.Instances:
		for i := range r.Tokens {
			if err := r.makeInstance(r.label(i)); err != nil {
				return err
			}
		}
		return nil
	}
	return writeSoftHSMConf(r.Dir)
}

// writeSoftHSMConf creates dir/tokens and dir/softhsm2.conf pointing at it.
func writeSoftHSMConf(dir string) error {
	if err := os.Mkdir(filepath.Join(dir, "tokens"), 0o700); err != nil {
		return err
	}
	abs, err := filepath.Abs(filepath.Join(dir, "tokens"))
	if err != nil {
		return err
	}
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", abs)
	return writeFile(filepath.Join(dir, "softhsm2.conf"), []byte(conf), 0o600)
}

// label returns the label of token i, counting from 0.
func (r *ceremonyRun) label(i int) string {
	return fmt.Sprintf("%s-%d", r.LabelPrefix, i+1)
}

// tokenModule returns the library path and SoftHSM configuration of
// token i, relative to Dir for instance copies.
func (r *ceremonyRun) tokenModule(i int) (path, conf string) {
	switch {
	case r.SoftHSM && r.Instances:
		d := filepath.Join("softhsm", r.label(i))
		return filepath.Join(d, "libsofthsm2.so"), filepath.Join(d, "softhsm2.conf")
	case r.SoftHSM:
		return r.Module, "softhsm2.conf"
	}
	return r.Module, ""
}

func (r *ceremonyRun) loadModule() error {
	if r.SoftHSM && !r.Instances && moduleLoaded(r.Module) {
		return errors.New("module already loaded in this process; SoftHSM reads its configuration only once")
	}
	for i := range r.Tokens {
		path, conf := r.tokenModule(i)
		if r.Instances {
			path = filepath.Join(r.Dir, path)
		}
		if conf != "" {
			conf = filepath.Join(r.Dir, conf)
		}
		c, err := loadModule(path, conf)
		if err != nil {
			return err
		}
		r.mods = append(r.mods, c)
	}
	return nil
}

// initTokens initialises each token with a random SO PIN, which is not
// kept, and a random user PIN written to pins/<label>.pin.
func (r *ceremonyRun) initTokens() error {
	for i := range r.Tokens {
		label, mod := r.label(i), r.mods[i]
		pin := randomHex(16)
		serial, err := initToken(mod, label, randomHex(16), pin)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(r.Dir, "pins", label+".pin"), []byte(pin+"\n"), 0o600); err != nil {
			return err
		}
		sh, err := userSession(mod, serial, pin)
		if err != nil {
			return err
		}
		r.labels, r.serials = append(r.labels, label), append(r.serials, serial)
		r.pins, r.sessions = append(r.pins, pin), append(r.sessions, sh)
	}
	r.res.Tokens, r.res.TokenSerials = r.labels, r.serials
	return nil
}

// installKEK splits a fresh secret into custodian shares, derives the KEK
// and imports it into every token.
func (r *ceremonyRun) installKEK() error {
	secret, shares, commit, err := splitSecret(rand.Reader, r.res.Ceremony, r.Threshold, r.Shares)
	defer clear(secret)
	if err != nil {
		return err
	}
	kek, err := kekFromSecret(secret)
	if err != nil {
		return err
	}
	defer clear(kek)
	if r.res.KEKCheckValue, err = checkValue(kek); err != nil {
		return err
	}
	for i, sh := range r.sessions {
		h, err := importKEK(r.mods[i], sh, KEKLabel, kek, r.res.KEKCheckValue)
		if err != nil {
			return err
		}
		r.keks = append(r.keks, h)
	}
	return r.writeShares(shares, commit)
}

func (r *ceremonyRun) writeShares(shares []Share, commit Commitment) error {
	for _, s := range shares {
		p := filepath.Join(r.Dir, "shares", fmt.Sprintf("share-%d.txt", s.ID))
		err := writeFile(p, s.Marshal(), 0o600)
		clear(s.Value)
		if err != nil {
			return err
		}
		r.res.ShareFiles = append(r.res.ShareFiles, p)
	}
	r.res.CommitmentFile = filepath.Join(r.Dir, "shares", "commitment.txt")
	return writeFile(r.res.CommitmentFile, commit.Marshal(), 0o644)
}

// writeFile creates path exclusively with mode perm.
func writeFile(path string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// closeSessions logs out of and closes every open session, once.
func (r *ceremonyRun) closeSessions() {
	for i, sh := range r.sessions {
		r.mods[i].Logout(sh)
		r.mods[i].CloseSession(sh)
	}
	r.sessions = nil
}
