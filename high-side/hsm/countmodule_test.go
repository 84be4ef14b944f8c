package hsm

import (
	"sync"

	"github.com/miekg/pkcs11"
)

// countModule wraps a module and counts what the pool does with it: the
// sessions it holds open now and at most, and its logins.
type countModule struct {
	module
	mu     sync.Mutex
	open   map[pkcs11.SessionHandle]bool
	peak   int
	logins int
}

func newCountModule(m module) *countModule {
	return &countModule{module: m, open: map[pkcs11.SessionHandle]bool{}}
}

func (c *countModule) OpenSession(slot uint, flags uint) (pkcs11.SessionHandle, error) {
	sh, err := c.module.OpenSession(slot, flags)
	if err == nil {
		c.mu.Lock()
		c.open[sh] = true
		c.peak = max(c.peak, len(c.open))
		c.mu.Unlock()
	}
	return sh, err
}

func (c *countModule) CloseSession(sh pkcs11.SessionHandle) error {
	c.mu.Lock()
	delete(c.open, sh)
	c.mu.Unlock()
	return c.module.CloseSession(sh)
}

func (c *countModule) Login(sh pkcs11.SessionHandle, userType uint, pin string) error {
	c.mu.Lock()
	c.logins++
	c.mu.Unlock()
	return c.module.Login(sh, userType, pin)
}

// counts returns the sessions open now, the peak and the number of logins.
func (c *countModule) counts() (open, peak, logins int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.open), c.peak, c.logins
}
