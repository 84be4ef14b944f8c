package hsm

import (
	"context"
	"fmt"
)

// crossCheck compares the inventories of the tokens that connected at
// start-up and quarantines every token that differs (PKCS#11 gives no way
// to tell which copy is right, so the pool decides by the configuration
// and by majority):
//
//  1. When Config.KEKCheckValue is set, a token whose KEK has another check
//     value is quarantined.
//  2. Of the rest, the largest group of tokens with identical inventories
//     is the reference; a tie goes to the group holding the token listed
//     first. Every other token is quarantined.
//
// Tokens that connect later are held to the same reference (admit). It
// returns the number of tokens left in service.
func (p *Pool) crossCheck(ctx context.Context) int {
	var candidates []*token
	for _, t := range p.tokens {
		t.mu.Lock()
		inv := t.inv
		t.mu.Unlock()
		if inv == nil {
			continue // not connected; checked by admit when it is
		}
		if want := p.cfg.KEKCheckValue; want != "" && inv.kekCheck != want {
			t.quarantine(ctx, fmt.Sprintf("KEK check value %q, want %q from the configuration", inv.kekCheck, want))
			continue
		}
		candidates = append(candidates, t)
	}

	// Group by inventory, keeping configuration order for ties.
	groups := map[string][]*token{}
	var order []string
	for _, t := range candidates {
		k := t.inv.key()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	best := ""
	for _, k := range order {
		if best == "" || len(groups[k]) > len(groups[best]) {
			best = k
		}
	}
	if best == "" {
		return 0
	}
	p.ref = groups[best][0].inv
	for _, t := range candidates {
		if d := t.inv.diff(p.ref); d != "" {
			t.quarantine(ctx, d)
		}
	}
	return len(groups[best])
}

// admit checks the inventory a token read at its last connect against the
// reference and quarantines it when they differ. It returns a device-class
// error wrapping ErrQuarantined for a quarantined token.
func (p *Pool) admit(ctx context.Context, t *token) error {
	t.mu.Lock()
	inv, state := t.inv, t.state
	t.mu.Unlock()
	if state == StateQuarantined {
		return classedError{ClassDevice, fmt.Errorf("token %q: %w", t.label, ErrQuarantined)}
	}
	if p.ref == nil || inv == nil {
		return nil
	}
	if d := inv.diff(p.ref); d != "" {
		t.quarantine(ctx, d)
		return classedError{ClassDevice, fmt.Errorf("token %q: %w: %s", t.label, ErrQuarantined, d)}
	}
	return nil
}
