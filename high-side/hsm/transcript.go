package hsm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"bastion/shared/entry"
)

// Transcript steps, in the order a ceremony or a recovery performs them.
const (
	StepInit         = "init"          // a ceremony began: suite and key name
	StepRecover      = "recover"       // a recovery rebuilt the directory
	StepKEKImport    = "kek-import"    // one token received the KEK
	StepECDSAKeygen  = "ecdsa-keygen"  // the ECDSA key was made in the first token
	StepECDSAClone   = "ecdsa-clone"   // one more token received the ECDSA key
	StepECDSARestore = "ecdsa-restore" // a recovery restored the ECDSA key to a token
	StepMLDSASeal    = "mldsa-seal"    // the ML-DSA seed was sealed under the KEK
	StepShares       = "shares"        // the KEK secret was split among custodians
)

// CeremonySteps reads the public record of the ceremony directory dir
// (ceremony.json, keys/, shares/commitment.txt), checks it as recovery
// does, and returns the transcript to record in the ledger, one step per
// action on the tokens. Every step's details begin with "ceremony=" and
// the ceremony id, so the step and its ceremony identify it. It returns
// ErrBadCeremonyRecord naming the file that is wrong.
func CeremonySteps(dir string) ([]entry.Ceremony, error) {
	rec, err := readCeremonyRecord(dir)
	if err != nil {
		return nil, err
	}
	commitment, err := readRecordFile(dir, "shares", "commitment.txt")
	if err != nil {
		return nil, err
	}
	return transcript(&rec.res, sha256.Sum256(commitment))
}

// transcript lists the steps res records; commitment is the SHA-256 of
// the share commitment file.
func transcript(res *CeremonyResult, commitment [32]byte) ([]entry.Ceremony, error) {
	if len(res.Tokens) == 0 || len(res.Tokens) > 64 {
		return nil, fmt.Errorf("%w: ceremony.json: %d tokens, want 1 to 64", ErrBadCeremonyRecord, len(res.Tokens))
	}
	if !validTime(res.Created) || res.Recovered != "" && !validTime(res.Recovered) {
		return nil, fmt.Errorf("%w: ceremony.json: created or recovered is not an RFC 3339 time", ErrBadCeremonyRecord)
	}
	for _, t := range res.Tokens {
		if !validTokenLabel(t) {
			return nil, fmt.Errorf("%w: ceremony.json: malformed token label %q", ErrBadCeremonyRecord, t)
		}
	}
	if err := checkSerials(res); err != nil {
		return nil, err
	}
	tok := tokenRefs(res)
	var steps []entry.Ceremony
	add := func(step, format string, args ...any) {
		details := "ceremony=" + res.Ceremony + " " + fmt.Sprintf(format, args...)
		steps = append(steps, entry.Ceremony{Step: step, KeyID: res.KeyID, Details: details})
	}
	recovered := res.Recovered != ""
	if recovered {
		add(StepRecover, "suite=%s key=%s created=%s recovered=%s", res.Suite, res.KeyName, res.Created, res.Recovered)
	} else {
		add(StepInit, "suite=%s key=%s created=%s tokens=%d", res.Suite, res.KeyName, res.Created, len(res.Tokens))
	}
	for _, t := range tok {
		add(StepKEKImport, "%s kcv=%s", t, res.KEKCheckValue)
	}
	if recovered {
		for _, t := range tok {
			add(StepECDSARestore, "%s", t)
		}
	} else {
		add(StepECDSAKeygen, "%s", tok[0])
		for _, t := range tok[1:] {
			add(StepECDSAClone, "%s from=%s", t, res.Tokens[0])
		}
		add(StepMLDSASeal, "kek=%s", KEKLabel)
	}
	add(StepShares, "threshold=%d shares=%d commitment=sha256:%s", res.Threshold, res.Shares, hex.EncodeToString(commitment[:]))
	return steps, nil
}

// tokenRefs returns how the transcript names each token: "token=<label>",
// followed by " serial=<serial>" when ceremony.json records serials.
func tokenRefs(res *CeremonyResult) []string {
	out := make([]string, len(res.Tokens))
	for i, l := range res.Tokens {
		out[i] = "token=" + l
		if len(res.TokenSerials) == len(res.Tokens) {
			out[i] += " serial=" + res.TokenSerials[i]
		}
	}
	return out
}

// validTokenLabel reports whether l is a PKCS#11 token label the
// transcript can carry: 1 to 32 printable ASCII characters, no space.
func validTokenLabel(l string) bool {
	if len(l) == 0 || len(l) > 32 {
		return false
	}
	for i := 0; i < len(l); i++ {
		if l[i] <= ' ' || l[i] > '~' {
			return false
		}
	}
	return true
}

// validTime reports whether s is an RFC 3339 time of at most 64 bytes.
func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil && len(s) <= 64
}
