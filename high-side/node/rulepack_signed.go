package node

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"bastion/high-side/monitor"
	"bastion/high-side/node/fsm"
	"bastion/shared/hybrid"
)

// A signed rule pack is a rule pack (TOML, see monitor.Config) with the
// composite signature of the rule-pack key. Its file form is:
//
//	bastion-rulepack v1
//	key <published key text of the signing key>
//	version <the pack's version>
//	size <bytes of the pack, decimal>
//	(empty line)
//	<the pack: exactly size bytes>
//	signature <base64 composite signature>
//
// every line ended by a newline. The signature is made over everything
// before "signature " (the body) with the application context
// RulePackContext, so it can never be replayed as a checkpoint, batch or
// transition signature. The form is strict: parsing and marshalling give
// the same bytes.
const rulePackMagic = "bastion-rulepack v1"

// RulePackContext is the application context of rule-pack signatures.
const RulePackContext = "bastion-rulepack-v1"

// MaxSignedPack bounds a signed rule pack, in bytes.
const MaxSignedPack = fsm.MaxContent

// Errors of signed rule packs.
var (
	// ErrBadRulePack is returned for a signed pack that does not parse,
	// whose signature does not verify, or whose pack is invalid.
	ErrBadRulePack = errors.New("invalid signed rule pack")
	// ErrUntrustedRulePackKey is returned for a pack signed by another key
	// than the node's rule-pack key.
	ErrUntrustedRulePackKey = errors.New("rule pack not signed by the rule-pack key")
	// ErrNoRulePackKey is returned by PushRulePack on a node configured
	// without a rule-pack key.
	ErrNoRulePackKey = errors.New("no rule-pack key configured")
)

// SignedPack is a parsed signed rule pack.
type SignedPack struct {
	Key       hybrid.NamedKey
	Version   string
	Pack      []byte // the TOML rule pack
	Signature []byte
}

// body returns the signed part of the file form.
func (p *SignedPack) body() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nkey %s\nversion %s\nsize %d\n\n", rulePackMagic, p.Key.Text(), p.Version, len(p.Pack))
	b.Write(p.Pack)
	return b.Bytes()
}

// Marshal returns the file form.
func (p *SignedPack) Marshal() []byte {
	b := p.body()
	b = append(b, "signature "...)
	b = append(b, base64.StdEncoding.EncodeToString(p.Signature)...)
	return append(b, '\n')
}

// SignPack validates pack (see CheckPack) and signs it with s, published
// under name. It returns the file form, or an error naming what is wrong
// with the pack or the signing failure.
func SignPack(pack []byte, name string, s hybrid.Signer) ([]byte, error) {
	cfg, err := CheckPack(pack)
	if err != nil {
		return nil, err
	}
	p := &SignedPack{Key: hybrid.NamedKey{Name: name, Key: s.Public()}, Version: cfg.Version, Pack: pack}
	if !hybrid.ValidKeyName(name) {
		return nil, fmt.Errorf("invalid key name %q", name)
	}
	if p.Signature, err = s.Sign(p.body(), []byte(RulePackContext)); err != nil {
		return nil, fmt.Errorf("failed to sign rule pack: %w", err)
	}
	return p.Marshal(), nil
}

// CheckPack parses and validates a rule pack for replication: a valid
// pack (monitor.ParseConfig, custom expressions compiled) that names no
// list file or Form 4 directory, since files differ from node to node.
func CheckPack(pack []byte) (monitor.Config, error) {
	cfg, err := monitor.ParseConfig(pack, "rule pack")
	if err != nil {
		return monitor.Config{}, err
	}
	o := &cfg.Orders
	for _, f := range [...][2]string{
		{"orders.restricted.list_file", o.Restricted.ListFile},
		{"orders.restricted.form4_dir", o.Restricted.Form4Dir},
		{"orders.watch.list_file", o.Watch.ListFile},
		{"orders.insider_dealing.form4_dir", o.Insider.Form4Dir},
	} {
		if f[1] != "" {
			return monitor.Config{}, fmt.Errorf("rule pack: %s: a replicated pack names no files; list the symbols inline", f[0])
		}
	}
	if len(cfg.Version) > fsm.MaxPackVersion {
		return monitor.Config{}, fmt.Errorf("rule pack: version longer than %d bytes", fsm.MaxPackVersion)
	}
	return cfg, nil
}

// ParseSignedPack parses the file form strictly. It checks the syntax
// only: Verify checks the key, the signature and the pack. Errors wrap
// ErrBadRulePack and name the field.
func ParseSignedPack(b []byte) (*SignedPack, error) {
	p, err := parseSignedPack(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRulePack, err)
	}
	return p, nil
}

func parseSignedPack(b []byte) (*SignedPack, error) {
	if len(b) > MaxSignedPack {
		return nil, fmt.Errorf("%d bytes, at most %d", len(b), MaxSignedPack)
	}
	r := &lineReader{b: b}
	if r.line("header") != rulePackMagic && r.err == nil {
		return nil, fmt.Errorf("want %q as the first line", rulePackMagic)
	}
	keyText := r.field("key")
	version := r.field("version")
	size := r.field("size")
	if r.line("blank line") != "" && r.err == nil {
		return nil, errors.New("want an empty line after size")
	}
	if r.err != nil {
		return nil, r.err
	}
	name, key, err := hybrid.ParsePublicKeyText([]byte(keyText))
	if err != nil {
		return nil, fmt.Errorf("key: %v", err)
	}
	p := &SignedPack{Key: hybrid.NamedKey{Name: name, Key: key}, Version: version}
	if p.Pack, err = r.pack(size); err != nil {
		return nil, err
	}
	if p.Signature, err = r.signature(); err != nil {
		return nil, err
	}
	if !bytes.Equal(p.Marshal(), b) {
		return nil, errors.New("not in canonical form")
	}
	return p, nil
}

// Verify checks that the pack is signed by trusted and that the pack is
// valid for replication (CheckPack) with the version the header names.
// It returns the pack's configuration, or an error wrapping
// ErrUntrustedRulePackKey or ErrBadRulePack.
func (p *SignedPack) Verify(trusted *hybrid.PublicKey) (monitor.Config, error) {
	if trusted == nil || !p.Key.Key.Equal(trusted) {
		return monitor.Config{}, fmt.Errorf("%w: signed by %q", ErrUntrustedRulePackKey, p.Key.Name)
	}
	if err := trusted.Verify(p.body(), []byte(RulePackContext), p.Signature); err != nil {
		return monitor.Config{}, fmt.Errorf("%w: signature: %v", ErrBadRulePack, err)
	}
	cfg, err := CheckPack(p.Pack)
	if err != nil {
		return monitor.Config{}, fmt.Errorf("%w: %v", ErrBadRulePack, err)
	}
	if cfg.Version != p.Version {
		return monitor.Config{}, fmt.Errorf("%w: header version %q, pack version %q", ErrBadRulePack, p.Version, cfg.Version)
	}
	return cfg, nil
}

// lineReader reads the header lines of a signed pack and keeps the first
// error.
type lineReader struct {
	b   []byte
	err error
}

func (r *lineReader) line(what string) string {
	if r.err != nil {
		return ""
	}
	i := bytes.IndexByte(r.b, '\n')
	if i < 0 || i > 16<<10 {
		r.err = fmt.Errorf("%s: missing or overlong line", what)
		return ""
	}
	l := string(r.b[:i])
	r.b = r.b[i+1:]
	return l
}

// field reads a line "name value".
func (r *lineReader) field(name string) string {
	l := r.line(name)
	v, ok := strings.CutPrefix(l, name+" ")
	if !ok && r.err == nil {
		r.err = fmt.Errorf("want a %q line", name)
	}
	return v
}

// pack takes size bytes of pack.
func (r *lineReader) pack(size string) ([]byte, error) {
	n, err := strconv.Atoi(size)
	if err != nil || n < 1 || n > len(r.b) || strconv.Itoa(n) != size {
		return nil, fmt.Errorf("size: %q, want 1 to %d", size, len(r.b))
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p, nil
}

// signature reads the final "signature" line.
func (r *lineReader) signature() ([]byte, error) {
	v := r.field("signature")
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errors.New("trailing data after the signature")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil || len(sig) == 0 {
		return nil, errors.New("signature: want standard base64")
	}
	return sig, nil
}
