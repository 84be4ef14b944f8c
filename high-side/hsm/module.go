package hsm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// PKCS#11 v3.0 EdDSA constants that miekg/pkcs11 v1.1.2 does not declare
// (PKCS#11 v3.0 §2.3.4-§2.3.6; REPLAY H1).
const (
	// CKK_EC_EDWARDS is the key type of Ed25519 and Ed448 keys.
	CKK_EC_EDWARDS = 0x00000040
	// CKM_EC_EDWARDS_KEY_PAIR_GEN generates an Edwards-curve key pair.
	CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x00001055
	// CKM_EDDSA signs with EdDSA (pure Ed25519 without parameters).
	CKM_EDDSA = 0x00001057
)

// modules holds every PKCS#11 library this process loaded, by path.
//
// A library is loaded and C_Initialize'd once per process and is never
// C_Finalize'd or unloaded: finalising SoftHSM while other goroutines, cgo
// callbacks or atexit handlers may still touch it crashes the process at exit
// (REPLAY H11), and a daemon gains nothing from unloading. The operating
// system reclaims the library when the process ends.
//
// Separate copies of the SoftHSM library at different paths are separate
// instances with their own configuration, token directory and locks: the
// dynamic loader keys libraries by path and file identity, and SoftHSM
// keeps its state in per-library globals. A pool can therefore give each
// token an instance of its own, so that one instance failing takes only its
// token down.
var modules struct {
	sync.Mutex
	byPath map[string]loadedModule
}

// loadedModule is one initialised library and the SoftHSM configuration it
// was initialised with ("" when the environment decided).
type loadedModule struct {
	ctx  *pkcs11.Ctx
	conf string
}

// loadModule returns the initialised library at path, loading it on first
// use. When conf is not empty, SOFTHSM2_CONF is set to conf for the
// duration of C_Initialize, which is the only time SoftHSM reads it, and
// restored afterwards. Asking for a loaded library with a different conf
// is an error, since the library cannot be initialised again.
func loadModule(path, conf string) (*pkcs11.Ctx, error) {
	modules.Lock()
	defer modules.Unlock()
	if conf != "" {
		abs, err := filepath.Abs(conf)
		if err != nil {
			return nil, fmt.Errorf("failed to resolve SoftHSM configuration: %w", err)
		}
		conf = abs
	}
	if strings.Contains(path, "/") {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("failed to resolve PKCS#11 module path: %w", err)
		}
		path = abs
	}
	if m, ok := modules.byPath[path]; ok {
		if conf != "" && m.conf != conf {
			return nil, fmt.Errorf("PKCS#11 module %s is already initialised with configuration %q, not %q",
				path, m.conf, conf)
		}
		return m.ctx, nil
	}
	c := pkcs11.New(path)
	if c == nil {
		return nil, fmt.Errorf("failed to load PKCS#11 module %s", path)
	}
	if err := initializeWithConf(c, conf); err != nil {
		return nil, fmt.Errorf("failed to initialise PKCS#11 module %s: %w", path, err)
	}
	if modules.byPath == nil {
		modules.byPath = map[string]loadedModule{}
	}
	modules.byPath[path] = loadedModule{ctx: c, conf: conf}
	return c, nil
}

// softhsmConfEnv is the variable SoftHSM reads its configuration path from.
const softhsmConfEnv = "SOFTHSM2_CONF"

// initializeWithConf calls C_Initialize with SOFTHSM2_CONF set to conf,
// when conf is not empty, and puts the variable back afterwards. Callers
// serialise it (modules' lock), so two loads never see each other's value.
func initializeWithConf(c *pkcs11.Ctx, conf string) error {
	if conf == "" {
		return c.Initialize()
	}
	old, had := os.LookupEnv(softhsmConfEnv)
	os.Setenv(softhsmConfEnv, conf)
	defer func() {
		if had {
			os.Setenv(softhsmConfEnv, old)
		} else {
			os.Unsetenv(softhsmConfEnv)
		}
	}()
	return c.Initialize()
}

// moduleLoaded reports whether path was already loaded by this process.
func moduleLoaded(path string) bool {
	if abs, err := filepath.Abs(path); err == nil && strings.Contains(path, "/") {
		path = abs
	}
	modules.Lock()
	defer modules.Unlock()
	_, ok := modules.byPath[path]
	return ok
}

// module is the part of the PKCS#11 API the pool uses. *pkcs11.Ctx
// implements it; tests wrap it to inject token faults.
type module interface {
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetTokenInfo(slotID uint) (pkcs11.TokenInfo, error)
	OpenSession(slotID uint, flags uint) (pkcs11.SessionHandle, error)
	CloseSession(sh pkcs11.SessionHandle) error
	GetSessionInfo(sh pkcs11.SessionHandle) (pkcs11.SessionInfo, error)
	Login(sh pkcs11.SessionHandle, userType uint, pin string) error
	FindObjectsInit(sh pkcs11.SessionHandle, temp []*pkcs11.Attribute) error
	FindObjects(sh pkcs11.SessionHandle, max int) ([]pkcs11.ObjectHandle, bool, error)
	FindObjectsFinal(sh pkcs11.SessionHandle) error
	GetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error)
	SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error
	Sign(sh pkcs11.SessionHandle, message []byte) ([]byte, error)
	EncryptInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error
	Encrypt(sh pkcs11.SessionHandle, message []byte) ([]byte, error)
	DecryptInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error
	Decrypt(sh pkcs11.SessionHandle, cipher []byte) ([]byte, error)
	CreateObject(sh pkcs11.SessionHandle, temp []*pkcs11.Attribute) (pkcs11.ObjectHandle, error)
	GenerateKeyPair(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, public, private []*pkcs11.Attribute) (pkcs11.ObjectHandle, pkcs11.ObjectHandle, error)
	WrapKey(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, wrappingkey, key pkcs11.ObjectHandle) ([]byte, error)
	UnwrapKey(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, unwrappingkey pkcs11.ObjectHandle, wrappedkey []byte, a []*pkcs11.Attribute) (pkcs11.ObjectHandle, error)
	SetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) error
}

var _ module = (*pkcs11.Ctx)(nil)

// Module is the part of the PKCS#11 API a pool calls on a token's library;
// *pkcs11.Ctx implements it. It exists for Config.Interpose.
type Module interface{ module }
