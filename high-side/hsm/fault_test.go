package hsm

import (
	"sync"

	"github.com/miekg/pkcs11"
)

// faultModule wraps the real SoftHSM module and makes every call on a
// chosen token's slot fail with a chosen return value, as a pulled or dead
// token would.
type faultModule struct {
	module
	mu      sync.Mutex
	slotOf  map[pkcs11.SessionHandle]uint
	failing map[uint]pkcs11.Error
}

func newFaultModule(m module) *faultModule {
	return &faultModule{module: m, slotOf: map[pkcs11.SessionHandle]uint{}, failing: map[uint]pkcs11.Error{}}
}

func (f *faultModule) fail(slot uint, rv uint) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing[slot] = pkcs11.Error(rv)
}

func (f *faultModule) heal(slot uint) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.failing, slot)
}

func (f *faultModule) slotErr(slot uint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rv, ok := f.failing[slot]; ok {
		return rv
	}
	return nil
}

func (f *faultModule) sessErr(sh pkcs11.SessionHandle) error {
	f.mu.Lock()
	slot, ok := f.slotOf[sh]
	f.mu.Unlock()
	if !ok {
		return nil
	}
	return f.slotErr(slot)
}

func (f *faultModule) OpenSession(slot uint, flags uint) (pkcs11.SessionHandle, error) {
	if err := f.slotErr(slot); err != nil {
		return 0, err
	}
	sh, err := f.module.OpenSession(slot, flags)
	if err == nil {
		f.mu.Lock()
		f.slotOf[sh] = slot
		f.mu.Unlock()
	}
	return sh, err
}

func (f *faultModule) GetTokenInfo(slot uint) (pkcs11.TokenInfo, error) {
	if err := f.slotErr(slot); err != nil {
		return pkcs11.TokenInfo{}, err
	}
	return f.module.GetTokenInfo(slot)
}

func (f *faultModule) SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	if err := f.sessErr(sh); err != nil {
		return err
	}
	return f.module.SignInit(sh, m, o)
}

func (f *faultModule) Sign(sh pkcs11.SessionHandle, msg []byte) ([]byte, error) {
	if err := f.sessErr(sh); err != nil {
		return nil, err
	}
	return f.module.Sign(sh, msg)
}

func (f *faultModule) GetSessionInfo(sh pkcs11.SessionHandle) (pkcs11.SessionInfo, error) {
	if err := f.sessErr(sh); err != nil {
		return pkcs11.SessionInfo{}, err
	}
	return f.module.GetSessionInfo(sh)
}
