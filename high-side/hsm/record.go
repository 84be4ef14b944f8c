package hsm

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"bastion/shared/hybrid"
)

// maxRecordFile bounds every public ceremony file read back, in bytes.
const maxRecordFile = 64 << 10

// ceremonyRecord is what a ceremony directory publishes about itself, read
// back and cross-checked: the record, the published key, the sealed seed,
// the EC key backup and the share commitment. It holds no secret.
type ceremonyRecord struct {
	dir     string
	res     CeremonyResult // ceremony.json
	pubText []byte         // keys/<name>.pub, byte for byte
	pub     *hybrid.PublicKey
	sealed  *SealedSeed
	backup  *WrappedKey // nil when the ceremony kept none
	commit  Commitment
}

// readCeremonyRecord reads the public files of the ceremony directory dir
// and checks that they describe one key of one ceremony. A missing EC key
// backup is not an error here; recovery refuses it. It returns
// ErrBadCeremonyRecord naming the file that is wrong.
func readCeremonyRecord(dir string) (*ceremonyRecord, error) {
	rec := &ceremonyRecord{dir: dir}
	b, err := readRecordFile(dir, "ceremony.json")
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec.res); err != nil {
		return nil, fmt.Errorf("%w: ceremony.json: %v", ErrBadCeremonyRecord, err)
	}
	if err := rec.checkResult(); err != nil {
		return nil, err
	}
	if err := rec.readKeys(); err != nil {
		return nil, err
	}
	if b, err = readRecordFile(dir, "shares", "commitment.txt"); err != nil {
		return nil, err
	}
	if rec.commit, err = ParseCommitment(b); err != nil {
		return nil, fmt.Errorf("%w: shares/commitment.txt: %w", ErrBadCeremonyRecord, err)
	}
	if rec.commit.Ceremony != rec.res.Ceremony || rec.commit.Threshold != rec.res.Threshold {
		return nil, fmt.Errorf("%w: shares/commitment.txt belongs to ceremony %s (%d shares needed), "+
			"ceremony.json to %s (%d)", ErrBadCeremonyRecord, rec.commit.Ceremony, rec.commit.Threshold,
			rec.res.Ceremony, rec.res.Threshold)
	}
	return rec, nil
}

// checkResult checks the fields of ceremony.json that recovery relies on.
func (rec *ceremonyRecord) checkResult() error {
	r := &rec.res
	switch {
	case !isHex(r.Ceremony, 32):
		return fmt.Errorf("%w: ceremony.json: ceremony id is not 32 hex digits", ErrBadCeremonyRecord)
	case hybrid.Suite(r.Suite).Label() == "":
		return fmt.Errorf("%w: ceremony.json: unknown suite %q", ErrBadCeremonyRecord, r.Suite)
	case !hybrid.ValidKeyName(r.KeyName):
		return fmt.Errorf("%w: ceremony.json: invalid key name", ErrBadCeremonyRecord)
	case !isHex(r.KeyID, 64):
		return fmt.Errorf("%w: ceremony.json: key id is not 64 hex digits", ErrBadCeremonyRecord)
	case !isHex(r.KEKCheckValue, 6):
		return fmt.Errorf("%w: ceremony.json: KEK check value is not 6 hex digits", ErrBadCeremonyRecord)
	case r.Threshold < 2 || r.Threshold > r.Shares || r.Shares > 255:
		return fmt.Errorf("%w: ceremony.json: invalid sharing %d-of-%d", ErrBadCeremonyRecord, r.Threshold, r.Shares)
	}
	return checkSerials(r)
}

// checkSerials checks that ceremony.json lists one well-formed serial
// number per token, or none (a ceremony made before tokens were found by
// serial).
func checkSerials(r *CeremonyResult) error {
	if len(r.TokenSerials) == 0 {
		return nil
	}
	if len(r.TokenSerials) != len(r.Tokens) {
		return fmt.Errorf("%w: ceremony.json: %d token serials for %d tokens",
			ErrBadCeremonyRecord, len(r.TokenSerials), len(r.Tokens))
	}
	for _, s := range r.TokenSerials {
		if !validSerial(s) {
			return fmt.Errorf("%w: ceremony.json: malformed token serial %q", ErrBadCeremonyRecord, s)
		}
	}
	return nil
}

// readKeys reads keys/<name>.pub, .seal and .ecwrap and checks that all
// three belong to the key ceremony.json names.
func (rec *ceremonyRecord) readKeys() error {
	name := rec.res.KeyName
	b, err := readRecordFile(rec.dir, "keys", name+".pub")
	if err != nil {
		return err
	}
	gotName, pub, err := hybrid.ParsePublicKeyText(b)
	if err != nil {
		return fmt.Errorf("%w: keys/%s.pub: %w", ErrBadCeremonyRecord, name, err)
	}
	id := pub.KeyID()
	if gotName != name || string(pub.Suite()) != rec.res.Suite || hex.EncodeToString(id[:]) != rec.res.KeyID {
		return fmt.Errorf("%w: keys/%s.pub is not the key ceremony.json names", ErrBadCeremonyRecord, name)
	}
	rec.pubText, rec.pub = b, pub

	if b, err = readRecordFile(rec.dir, "keys", name+".seal"); err != nil {
		return err
	}
	if rec.sealed, err = ParseSealedSeed(b); err != nil {
		return fmt.Errorf("%w: keys/%s.seal: %w", ErrBadCeremonyRecord, name, err)
	}
	if rec.sealed.KeyID != id || rec.sealed.Suite != pub.Suite() || rec.sealed.KEKLabel != KEKLabel {
		return fmt.Errorf("%w: keys/%s.seal belongs to another key", ErrBadCeremonyRecord, name)
	}
	return rec.readBackup(id)
}

// readBackup reads keys/<name>.ecwrap when it exists.
func (rec *ceremonyRecord) readBackup(id [32]byte) error {
	name := rec.res.KeyName
	b, err := readRecordFile(rec.dir, "keys", name+".ecwrap")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if rec.backup, err = ParseWrappedKey(b); err != nil {
		return fmt.Errorf("%w: keys/%s.ecwrap: %w", ErrBadCeremonyRecord, name, err)
	}
	if rec.backup.KeyID != id || rec.backup.Suite != rec.pub.Suite() || rec.backup.KEKLabel != KEKLabel {
		return fmt.Errorf("%w: keys/%s.ecwrap belongs to another key", ErrBadCeremonyRecord, name)
	}
	return nil
}

// readRecordFile reads dir/elem... up to maxRecordFile bytes. A missing
// file is returned as the *fs.PathError it is, for os.IsNotExist.
func readRecordFile(dir string, elem ...string) ([]byte, error) {
	f, err := os.Open(filepath.Join(append([]string{dir}, elem...)...))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecordFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRecordFile {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrBadCeremonyRecord, f.Name(), maxRecordFile)
	}
	return b, nil
}

// readShares parses the custodian share files at paths, each of mode 0600
// or stricter.
func readShares(paths []string) ([]Share, error) {
	var out []Share
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("%w: %s is readable by others (mode %v), want 0600",
				ErrBadShare, filepath.Base(p), fi.Mode().Perm())
		}
		b, err := readRecordFile(p)
		if err != nil {
			return nil, fmt.Errorf("failed to read share: %w", err)
		}
		s, err := ParseShare(b)
		clear(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		out = append(out, s)
	}
	return out, nil
}
