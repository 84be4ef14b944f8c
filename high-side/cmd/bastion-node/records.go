package main

import (
	"fmt"
	"os"

	"bastion/high-side/records"
	"bastion/shared/hybrid"
)

// loadPackKey reads the rule-pack signing key's public half, or returns
// nil when none is configured (every push is then refused).
func loadPackKey(svc *Services) (*hybrid.PublicKey, error) {
	if svc.RulePackKey == "" {
		return nil, nil
	}
	text, err := os.ReadFile(svc.RulePackKey)
	if err != nil {
		return nil, fmt.Errorf("failed to read rule_pack_key: %w", err)
	}
	_, pub, err := hybrid.ParsePublicKeyText(text)
	if err != nil {
		return nil, fmt.Errorf("rule_pack_key %s: %w", svc.RulePackKey, err)
	}
	return pub, nil
}

// loadPlanner builds the disposal planner from the retention schedule and
// the legal holds.
func loadPlanner(svc *Services) (*records.Planner, error) {
	p := &records.Planner{Schedule: records.DefaultSchedule(), Job: "bastion-node disposal"}
	if svc.RecordsSchedule != "" {
		b, err := os.ReadFile(svc.RecordsSchedule)
		if err != nil {
			return nil, fmt.Errorf("failed to read records_schedule: %w", err)
		}
		if p.Schedule, err = records.ParseSchedule(b); err != nil {
			return nil, fmt.Errorf("records_schedule %s: %w", svc.RecordsSchedule, err)
		}
	}
	if svc.LegalHolds != "" {
		b, err := os.ReadFile(svc.LegalHolds)
		if err != nil {
			return nil, fmt.Errorf("failed to read legal_holds: %w", err)
		}
		if p.Holds, err = records.ParseHolds(b); err != nil {
			return nil, fmt.Errorf("legal_holds %s: %w", svc.LegalHolds, err)
		}
	}
	return p, nil
}
