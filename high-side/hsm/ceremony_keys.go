package hsm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// makeKeys generates the ECDSA key in the first token, clones it to the
// others and locks every copy, then seals a fresh ML-DSA seed and checks
// that every token unseals it to the same seed (so all hold the same KEK).
func (r *ceremonyRun) makeKeys() error {
	curve := r.Suite.Curve()
	key, ecPub, point, err := generateECKey(r.mods[0], r.sessions[0], r.KeyName, curve)
	if err != nil {
		return err
	}
	id, err := ecObjectID(ecPub)
	if err != nil {
		return err
	}
	copies := []pkcs11.ObjectHandle{key}
	for i := 1; i < len(r.sessions); i++ {
		h, err := cloneECKey(r.mods[0], r.mods[i], r.sessions[0], r.sessions[i], r.keks[0], r.keks[i], key,
			r.KeyName, id, curve, point)
		if err != nil {
			return fmt.Errorf("token %s: %w", r.labels[i], err)
		}
		copies = append(copies, h)
		if got, err := ecPublicKey(r.mods[i], r.sessions[i], id, curve); err != nil || !got.Equal(ecPub) {
			return fmt.Errorf("token %s: cloned public key differs (%v)", r.labels[i], err)
		}
	}
	if err := r.wrapECKeyBackup(key); err != nil {
		return err
	}
	for i := range r.sessions {
		if err := lockKey(r.mods[i], r.sessions[i], copies[i]); err != nil {
			return fmt.Errorf("token %s: %w", r.labels[i], err)
		}
	}
	return r.sealSeed(ecPub)
}

func (r *ceremonyRun) sealSeed(ecPub *ecdsa.PublicKey) error {
	seed := make([]byte, hybrid.SeedSize)
	defer clear(seed)
	if _, err := rand.Read(seed); err != nil {
		return err
	}
	mk, err := hybrid.NewMLDSAKey(r.Suite, seed)
	if err != nil {
		return err
	}
	pub, err := hybrid.NewPublicKey(r.Suite, mk.PublicBytes(), ecPub)
	if err != nil {
		return err
	}
	sealed := &SealedSeed{Suite: r.Suite, KEKLabel: KEKLabel, KeyID: pub.KeyID()}
	if err := sealOn(r.mods[0], r.sessions[0], r.keks[0], sealed, seed); err != nil {
		return err
	}
	for i, sh := range r.sessions {
		got, err := unsealOn(r.mods[i], sh, r.keks[i], sealed)
		ok := err == nil && bytes.Equal(got, seed)
		clear(got)
		if !ok {
			return fmt.Errorf("token %s cannot unseal the seed: the KEKs differ (%v)", r.labels[i], err)
		}
	}

	id := pub.KeyID()
	r.res.KeyID = hex.EncodeToString(id[:])
	r.res.PublicKeyFile = filepath.Join(r.Dir, "keys", r.KeyName+".pub")
	r.res.SealedSeedFile = filepath.Join(r.Dir, "keys", r.KeyName+".seal")
	if err := writeFile(r.res.PublicKeyFile, hybrid.MarshalPublicKeyText(r.KeyName, pub), 0o644); err != nil {
		return err
	}
	if err := r.writeECKeyBackup(id); err != nil {
		return err
	}
	return writeFile(r.res.SealedSeedFile, sealed.Marshal(), 0o600)
}

// writeConfig writes hsm.toml for the pool and ceremony.json, the public
// record of the ceremony.
func (r *ceremonyRun) writeConfig() error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# HSM pool written by the key ceremony %s.\nmodule = %q\n", r.res.Ceremony, r.Module)
	if r.SoftHSM && !r.Instances {
		fmt.Fprintf(&b, "softhsm_conf = %q\n", "softhsm2.conf")
	}
	fmt.Fprintf(&b, "kek_check_value = %q\n", r.res.KEKCheckValue)
	for i, l := range r.labels {
		fmt.Fprintf(&b, "\n[[tokens]]\nserial = %q\nlabel = %q\npin_file = %q\n",
			r.serials[i], l, filepath.Join("pins", l+".pin"))
		if r.Instances {
			path, conf := r.tokenModule(i)
			fmt.Fprintf(&b, "module = %q\nsofthsm_conf = %q\n", path, conf)
		}
	}
	r.res.Config = filepath.Join(r.Dir, "hsm.toml")
	if err := writeFile(r.res.Config, b.Bytes(), 0o644); err != nil {
		return err
	}
	rec, err := json.MarshalIndent(r.res, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(r.Dir, "ceremony.json"), append(rec, '\n'), 0o644)
}
