package main

import (
	"sync"

	"bastion/high-side/hsm"

	"github.com/miekg/pkcs11"
)

// gate passes every call of the pool into one token's library through a
// read lock, so that the drill can take the write lock to finalise or
// initialise the library while no call is inside it. SoftHSM frees its
// sessions in C_Finalize and crashes a thread that is still signing in
// them (REPLAY H11); a token that dies does not crash its caller, so the
// drill waits out the calls in flight, which takes at most one PKCS#11
// call, and every call after that meets the dead instance.
type gate struct {
	hsm.Module
	mu sync.RWMutex
}

// closed runs fn with no call inside the library.
func (g *gate) closed(fn func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fn()
}

func pass[T any](g *gate, f func() (T, error)) (T, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return f()
}

func pass0(g *gate, f func() error) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return f()
}

func (g *gate) GetSlotList(present bool) ([]uint, error) {
	return pass(g, func() ([]uint, error) { return g.Module.GetSlotList(present) })
}

func (g *gate) GetTokenInfo(slot uint) (pkcs11.TokenInfo, error) {
	return pass(g, func() (pkcs11.TokenInfo, error) { return g.Module.GetTokenInfo(slot) })
}

func (g *gate) OpenSession(slot uint, flags uint) (pkcs11.SessionHandle, error) {
	return pass(g, func() (pkcs11.SessionHandle, error) { return g.Module.OpenSession(slot, flags) })
}

func (g *gate) CloseSession(sh pkcs11.SessionHandle) error {
	return pass0(g, func() error { return g.Module.CloseSession(sh) })
}

func (g *gate) GetSessionInfo(sh pkcs11.SessionHandle) (pkcs11.SessionInfo, error) {
	return pass(g, func() (pkcs11.SessionInfo, error) { return g.Module.GetSessionInfo(sh) })
}

func (g *gate) Login(sh pkcs11.SessionHandle, userType uint, pin string) error {
	return pass0(g, func() error { return g.Module.Login(sh, userType, pin) })
}

func (g *gate) FindObjectsInit(sh pkcs11.SessionHandle, temp []*pkcs11.Attribute) error {
	return pass0(g, func() error { return g.Module.FindObjectsInit(sh, temp) })
}

func (g *gate) FindObjects(sh pkcs11.SessionHandle, max int) ([]pkcs11.ObjectHandle, bool, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.Module.FindObjects(sh, max)
}

func (g *gate) FindObjectsFinal(sh pkcs11.SessionHandle) error {
	return pass0(g, func() error { return g.Module.FindObjectsFinal(sh) })
}

func (g *gate) GetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error) {
	return pass(g, func() ([]*pkcs11.Attribute, error) { return g.Module.GetAttributeValue(sh, o, a) })
}

func (g *gate) SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	return pass0(g, func() error { return g.Module.SignInit(sh, m, o) })
}

func (g *gate) Sign(sh pkcs11.SessionHandle, msg []byte) ([]byte, error) {
	return pass(g, func() ([]byte, error) { return g.Module.Sign(sh, msg) })
}

func (g *gate) EncryptInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	return pass0(g, func() error { return g.Module.EncryptInit(sh, m, o) })
}

func (g *gate) Encrypt(sh pkcs11.SessionHandle, msg []byte) ([]byte, error) {
	return pass(g, func() ([]byte, error) { return g.Module.Encrypt(sh, msg) })
}

func (g *gate) DecryptInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	return pass0(g, func() error { return g.Module.DecryptInit(sh, m, o) })
}

func (g *gate) Decrypt(sh pkcs11.SessionHandle, c []byte) ([]byte, error) {
	return pass(g, func() ([]byte, error) { return g.Module.Decrypt(sh, c) })
}

func (g *gate) CreateObject(sh pkcs11.SessionHandle, t []*pkcs11.Attribute) (pkcs11.ObjectHandle, error) {
	return pass(g, func() (pkcs11.ObjectHandle, error) { return g.Module.CreateObject(sh, t) })
}

func (g *gate) GenerateKeyPair(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, pub, priv []*pkcs11.Attribute) (pkcs11.ObjectHandle, pkcs11.ObjectHandle, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.Module.GenerateKeyPair(sh, m, pub, priv)
}

func (g *gate) WrapKey(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, wk, k pkcs11.ObjectHandle) ([]byte, error) {
	return pass(g, func() ([]byte, error) { return g.Module.WrapKey(sh, m, wk, k) })
}

func (g *gate) UnwrapKey(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, uk pkcs11.ObjectHandle, w []byte, a []*pkcs11.Attribute) (pkcs11.ObjectHandle, error) {
	return pass(g, func() (pkcs11.ObjectHandle, error) { return g.Module.UnwrapKey(sh, m, uk, w, a) })
}

func (g *gate) SetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) error {
	return pass0(g, func() error { return g.Module.SetAttributeValue(sh, o, a) })
}
