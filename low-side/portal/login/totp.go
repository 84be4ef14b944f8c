package login

import (
	"crypto/subtle"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpOpts are the parameters of every code: RFC 6238 defaults (30 s
// steps, 6 digits, HMAC-SHA-1), one step of clock skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// codeLedger remembers the last time step each user logged in with, so
// that a code is accepted once only (RFC 6238 §5.2).
type codeLedger struct {
	mu   sync.Mutex
	used map[string]int64
}

// check reports whether code is valid for secret at now and newer than
// the last step name used; a match is recorded.
func (l *codeLedger) check(name, secret, code string, now time.Time) bool {
	if len(code) != 6 {
		return false
	}
	step := now.Unix() / int64(totpOpts.Period)
	for d := -int64(totpOpts.Skew); d <= int64(totpOpts.Skew); d++ {
		at := time.Unix((step+d)*int64(totpOpts.Period), 0)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			return false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return l.record(name, step+d)
		}
	}
	return false
}

func (l *codeLedger) record(name string, step int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.used == nil {
		l.used = map[string]int64{}
	}
	if last, ok := l.used[name]; ok && step <= last {
		return false
	}
	l.used[name] = step
	return true
}
