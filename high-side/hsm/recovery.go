package hsm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// Recovery restores a ceremony's signing key on fresh tokens after the
// tokens were lost: custodians bring Threshold of their shares, the KEK is
// rebuilt (RecoverKEK) and imported into newly initialised tokens, the
// ECDSA key is unwrapped there from the ceremony's KEK-wrapped backup
// (WrappedKey), and the sealed ML-DSA seed is checked to unseal to the
// enrolled key on every token. The composite public key does not change:
// verifiers keep the published key file and need no transition statement.
//
// Nothing is written before every input has been checked: the record and
// key files of From agree with each other, every share passes its Feldman
// check, and the rebuilt KEK has the check value of ceremony.json.
type Recovery struct {
	// Dir is the new ceremony directory. It must not exist or be empty.
	Dir string
	// From is the lost ceremony's directory, or a copy of its public
	// files: ceremony.json, keys/<name>.pub, .seal and .ecwrap, and
	// shares/commitment.txt. Its tokens are not opened.
	From string
	// ShareFiles are the custodian share files (mode 0600), at least the
	// ceremony's threshold of them, each from a different custodian.
	ShareFiles []string
	// Module, Tokens, LabelPrefix, SoftHSM and Instances are as in
	// Ceremony and describe the new tokens.
	Module      string
	Tokens      int
	LabelPrefix string
	SoftHSM     bool
	Instances   bool
}

// ErrNoECBackup is returned by Recovery for a ceremony directory without
// the KEK-wrapped ECDSA key backup (made before backups were kept): the
// ECDSA half then cannot be restored, and the only way on is a new
// ceremony with a new published key.
var ErrNoECBackup = errors.New("ceremony has no EC key backup")

// recoveryRun is the state of one recovery while it runs.
type recoveryRun struct {
	*ceremonyRun
	rec *ceremonyRecord
	kek []byte
}

// Run performs the recovery and returns the new directory's record, which
// keeps the ceremony id, key id and KEK check value of From. logger may be
// nil. It returns ErrBadCeremonyRecord, ErrNoECBackup, ErrBadShare (a
// share that is malformed, duplicated, zero, foreign or fails its Feldman
// check), ErrCeremonyExists, ErrKeyMismatch, or a token error. A failed
// recovery removes what it created, as Ceremony.Run does. No PIN, key,
// share or seed is logged or returned.
func (rc Recovery) Run(ctx context.Context, logger *slog.Logger) (*CeremonyResult, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r, err := rc.prepare()
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	defer clear(r.kek)
	defer r.closeSessions()
	steps := []step{
		{"create directory", r.makeDir},
		{"load module", r.loadModule},
		{"initialise tokens", r.initTokens},
		{"install KEK", r.installRecoveredKEK},
		{"restore signing key", r.restoreKeys},
		{"write key files", r.writeKeyFiles},
		{"write configuration", r.writeConfig},
	}
	if err := runSteps(ctx, logger, "recovery", steps); err != nil {
		return nil, r.undo(err)
	}
	return r.res, nil
}

// prepare reads and checks every input and rebuilds the KEK; it writes
// nothing.
func (rc Recovery) prepare() (*recoveryRun, error) {
	if rc.From == "" || len(rc.ShareFiles) == 0 {
		return nil, errors.New("the old ceremony directory and the share files are required")
	}
	rec, err := readCeremonyRecord(rc.From)
	if err != nil {
		return nil, err
	}
	if rec.backup == nil {
		return nil, fmt.Errorf("%w: %s has no keys/%s.ecwrap", ErrNoECBackup, rc.From, rec.res.KeyName)
	}
	c := Ceremony{Dir: rc.Dir, Module: rc.Module, Tokens: rc.Tokens, Suite: hybrid.Suite(rec.res.Suite),
		KeyName: rec.res.KeyName, LabelPrefix: rc.LabelPrefix, Threshold: rec.res.Threshold,
		Shares: rec.res.Shares, SoftHSM: rc.SoftHSM, Instances: rc.Instances}
	if err := c.defaults(); err != nil {
		return nil, err
	}
	kek, err := rc.rebuildKEK(rec)
	if err != nil {
		return nil, err
	}
	res := rec.res
	res.Tokens, res.TokenSerials, res.ShareFiles = nil, nil, nil
	res.Recovered = time.Now().UTC().Format(time.RFC3339)
	return &recoveryRun{ceremonyRun: &ceremonyRun{Ceremony: c, res: &res}, rec: rec, kek: kek}, nil
}

// rebuildKEK recovers the KEK from the shares and checks it against the
// check value of the ceremony's public record.
func (rc Recovery) rebuildKEK(rec *ceremonyRecord) ([]byte, error) {
	shares, err := readShares(rc.ShareFiles)
	defer func() {
		for _, s := range shares {
			clear(s.Value)
		}
	}()
	if err != nil {
		return nil, err
	}
	kek, err := RecoverKEK(shares, rec.commit)
	if err != nil {
		return nil, err
	}
	cv, err := checkValue(kek)
	if err == nil && cv != rec.res.KEKCheckValue {
		err = fmt.Errorf("%w: rebuilt KEK has check value %s, ceremony.json says %s",
			ErrBadCeremonyRecord, cv, rec.res.KEKCheckValue)
	}
	if err != nil {
		clear(kek)
		return nil, err
	}
	return kek, nil
}

// installRecoveredKEK imports the rebuilt KEK into every new token; each
// import is checked against the recorded check value (importKEK).
func (r *recoveryRun) installRecoveredKEK() error {
	for i, sh := range r.sessions {
		h, err := importKEK(r.mods[i], sh, KEKLabel, r.kek, r.res.KEKCheckValue)
		if err != nil {
			return fmt.Errorf("token %s: %w", r.labels[i], err)
		}
		r.keks = append(r.keks, h)
	}
	return nil
}

// restoreKeys unwraps the EC key into every token and checks that every
// token unseals the ML-DSA seed to the enrolled ML-DSA key (REPLAY H8).
func (r *recoveryRun) restoreKeys() error {
	pub := r.rec.pub
	for i, sh := range r.sessions {
		if err := restoreECKey(r.mods[i], sh, r.keks[i], r.rec.backup, r.KeyName, pub.ECDSA()); err != nil {
			return fmt.Errorf("token %s: %w", r.labels[i], err)
		}
		if err := checkUnseal(r.mods[i], sh, r.keks[i], r.rec.sealed, pub); err != nil {
			return fmt.Errorf("token %s: %w", r.labels[i], err)
		}
	}
	return nil
}

// checkUnseal unseals s on one token and compares the derived ML-DSA
// public key with pub's ML-DSA half. The seed is zeroed.
func checkUnseal(mod module, sh pkcs11.SessionHandle, kek pkcs11.ObjectHandle, s *SealedSeed, pub *hybrid.PublicKey) error {
	seed, err := unsealOn(mod, sh, kek, s)
	if err != nil {
		return err
	}
	defer clear(seed)
	mk, err := hybrid.NewMLDSAKey(pub.Suite(), seed)
	if err != nil {
		return err
	}
	if !bytes.Equal(mk.PublicBytes(), pub.MLDSABytes()) {
		return fmt.Errorf("%w: ML-DSA key derived from the unsealed seed", ErrKeyMismatch)
	}
	return nil
}

// writeKeyFiles copies the published key, the sealed seed, the EC key
// backup and the commitment into the new directory, byte for byte.
func (r *recoveryRun) writeKeyFiles() error {
	keys := filepath.Join(r.Dir, "keys")
	r.res.PublicKeyFile = filepath.Join(keys, r.KeyName+".pub")
	r.res.SealedSeedFile = filepath.Join(keys, r.KeyName+".seal")
	r.res.ECBackupFile = filepath.Join(keys, r.KeyName+".ecwrap")
	r.res.CommitmentFile = filepath.Join(r.Dir, "shares", "commitment.txt")
	files := []struct {
		path string
		b    []byte
		perm os.FileMode
	}{
		{r.res.PublicKeyFile, r.rec.pubText, 0o644},
		{r.res.SealedSeedFile, r.rec.sealed.Marshal(), 0o600},
		{r.res.ECBackupFile, r.rec.backup.Marshal(), 0o600},
		{r.res.CommitmentFile, r.rec.commit.Marshal(), 0o644},
	}
	for _, f := range files {
		if err := writeFile(f.path, f.b, f.perm); err != nil {
			return err
		}
	}
	return nil
}
