package main

import (
	_ "embed"

	"bastion/high-side/clearance"
	"bastion/high-side/export"
	"bastion/shared/entry"
)

// defaultRegistry is the built-in clearance registry.
//
//go:embed registry.toml
var defaultRegistry []byte

// loadClearance returns the subject registry and the release filter. The
// release label of the link configuration is the one that counts.
func loadClearance(svc *Services) (*clearance.Registry, export.Releaser, error) {
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
	return reg, clearance.ReleaseFilter{Max: max}, nil
}
