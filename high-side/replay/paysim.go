package replay

import (
	"fmt"
	"io"
	"strings"
	"time"

	"bastion/high-side/intake"

	"github.com/shopspring/decimal"
)

// Labeled is a submission with the ground truth a backtest scores against.
type Labeled[T any] struct {
	Item    T
	Fraud   bool // the data set's fraud label
	Flagged bool // PaySim's own rule flagged it (isFlaggedFraud)
}

// PaySimHeader is the header line the PaySim file must carry.
var PaySimHeader = []string{"step", "type", "amount", "nameOrig", "oldbalanceOrg", "newbalanceOrig",
	"nameDest", "oldbalanceDest", "newbalanceDest", "isFraud", "isFlaggedFraud"}

// paySimKinds maps PaySim's type column to payment kinds.
var paySimKinds = map[string]string{
	"CASH_IN": "cash_in", "CASH_OUT": "cash_out", "DEBIT": "debit", "PAYMENT": "payment", "TRANSFER": "transfer",
}

// PaySimEpoch is the time of step 0; a step is one hour.
var PaySimEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// ParsePaySimRow reads one PaySim row as a payment with its labels. The
// id is "paysim-<line>", the currency USD (PaySim amounts are in one
// unnamed currency), FromBalance the oldbalanceOrg column and the time
// PaySimEpoch plus step hours.
func ParsePaySimRow(rec []string, line int) (Labeled[intake.Payment], error) {
	var out Labeled[intake.Payment]
	if len(rec) != len(PaySimHeader) {
		return out, fmt.Errorf("%d columns, want %d", len(rec), len(PaySimHeader))
	}
	step, err := intColumn("step", rec[0], 0, 1e6)
	if err != nil {
		return out, err
	}
	kind, ok := paySimKinds[rec[1]]
	if !ok {
		return out, fmt.Errorf("column type: %q is not CASH_IN, CASH_OUT, DEBIT, PAYMENT or TRANSFER", clip(rec[1]))
	}
	amounts := make([]decimal.Decimal, 0, 5)
	for _, i := range []int{2, 4, 5, 7, 8} {
		d, err := decimalColumn(PaySimHeader[i], rec[i], false)
		if err != nil {
			return out, err
		}
		amounts = append(amounts, d)
	}
	for _, i := range []int{3, 6} {
		if !validName(rec[i]) {
			return out, fmt.Errorf("column %s: %q is not an account name", PaySimHeader[i], clip(rec[i]))
		}
	}
	if out.Fraud, err = flagColumn("isFraud", rec[9]); err != nil {
		return out, err
	}
	if out.Flagged, err = flagColumn("isFlaggedFraud", rec[10]); err != nil {
		return out, err
	}
	out.Item = intake.Payment{
		ID: fmt.Sprintf("paysim-%d", line), Kind: kind, Amount: amounts[0], Currency: "USD",
		From: rec[3], To: rec[6], FromBalance: amounts[1], Source: "replay",
		Time: PaySimEpoch.Add(time.Duration(step) * time.Hour).UnixNano(),
	}
	return out, nil
}

// validName accepts 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'.
func validName(s string) bool {
	if s == "" || len(s) > maxField {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}

// ReadPaySim streams a PaySim CSV (with header), calling fn per row.
func ReadPaySim(r io.Reader, name string, fn func(Labeled[intake.Payment]) error) error {
	return rows(r, name, PaySimHeader, len(PaySimHeader), func(rec []string, line int) error {
		p, err := ParsePaySimRow(rec, line)
		if err != nil {
			return err
		}
		return fn(p)
	})
}

// LoadPaySim reads the PaySim file at path.
func LoadPaySim(path string) ([]Labeled[intake.Payment], error) {
	var out []Labeled[intake.Payment]
	err := withFile(path, func(r io.Reader, name string) error {
		return ReadPaySim(r, name, func(p Labeled[intake.Payment]) error { out = append(out, p); return nil })
	})
	return out, err
}
