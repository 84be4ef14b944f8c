package main

import (
	_ "embed"
	"encoding/json"

	"bastion/high-side/clearance"
	"bastion/high-side/export"
	"bastion/high-side/node"
	"bastion/shared/entry"
)

// defaultRegistry is the built-in clearance registry.
//
//go:embed registry.toml
var defaultRegistry []byte

// policyClearance joins the labelling policy and the subject registry.
type policyClearance struct {
	policy   clearance.Policy
	registry *clearance.Registry
}

func (c policyClearance) LabelFor(t entry.Type) entry.Label {
	return c.policy.LabelFor(t, json.RawMessage(nil))
}

func (c policyClearance) Check(subject string, l entry.Label, action string) error {
	return c.registry.Check(subject, l, action)
}

// loadClearance returns the clearance policy and the release filter. The
// release label of the link configuration is the one that counts; the
// policy's own must not be wider.
func loadClearance(svc *Services) (node.Clearance, export.Releaser, error) {
	max, err := entry.ParseLabel(svc.Link.ReleaseLabel)
	if err != nil {
		return nil, nil, err
	}
	var reg *clearance.Registry
	if svc.ClearanceConfig != "" {
		reg, err = clearance.LoadRegistry(svc.ClearanceConfig)
	} else {
		reg, err = clearance.ParseRegistry(defaultRegistry, "built-in registry.toml")
	}
	if err != nil {
		return nil, nil, err
	}
	return policyClearance{policy: clearance.DefaultPolicy(), registry: reg}, labelFilter{max: max}, nil
}
