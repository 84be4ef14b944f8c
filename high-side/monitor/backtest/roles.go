package backtest

import "bastion/high-side/intake"

// Role says which accounts of a payment an alert of a rule implicates.
type Role int

// Roles.
const (
	Payer Role = 1 << iota // the originating account
	Payee                  // the beneficiary
	Both       = Payer | Payee
	None  Role = 0 // the alert implicates no account (a frozen account was already known)
)

// Roles maps each built-in payment rule to the accounts its alerts
// implicate. A rule not listed (a custom rule) implicates the payer.
var Roles = map[string]Role{
	"frozen_account":   None,
	"account_drain":    Payer,
	"velocity":         Payer,
	"amount_history":   Payer,
	"new_counterparty": Payer,
	"structuring":      Payer,
	"fan_out":          Payer,
	"fan_in":           Payee,
	"cycle":            Both,
	"repeat_payee":     Both,
	"split_amount":     Both,
	"well_formed":      None,
}

// implicated returns the accounts an alert of rule on p implicates.
func implicated(rule string, p intake.Payment) []string {
	role, ok := Roles[rule]
	if !ok {
		role = Payer
	}
	switch role {
	case Payer:
		return []string{p.From}
	case Payee:
		return []string{p.To}
	case Both:
		return []string{p.From, p.To}
	}
	return nil
}
