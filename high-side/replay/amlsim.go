package replay

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"bastion/high-side/intake"

	"github.com/shopspring/decimal"
)

// AMLSim file headers.
var (
	AMLSimHeader      = []string{"sourceNodeId", "targetNodeId", "value", "time"}
	AMLSimNodesHeader = []string{"nodeid", "isFraud", "init_balance", "fraudStep"}
)

// AMLSimEpoch is the time of day step 0; a step is one day.
var AMLSimEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// AMLSimAccount names node n's account: "AML-<n>".
func AMLSimAccount(node int64) string { return "AML-" + strconv.FormatInt(node, 10) }

// ParseAMLSimRow reads one transaction as a transfer: id
// "amlsim-<line>", accounts AMLSimAccount of the nodes, currency USD,
// time AMLSimEpoch plus the day step. FromBalance is unknown (zero).
func ParseAMLSimRow(rec []string, line int) (intake.Payment, error) {
	if len(rec) != 4 {
		return intake.Payment{}, fmt.Errorf("%d columns, want 4", len(rec))
	}
	src, err := intColumn("sourceNodeId", rec[0], 0, 1e9)
	if err != nil {
		return intake.Payment{}, err
	}
	dst, err := intColumn("targetNodeId", rec[1], 0, 1e9)
	if err != nil {
		return intake.Payment{}, err
	}
	value, err := decimalColumn("value", rec[2], false)
	if err != nil {
		return intake.Payment{}, err
	}
	step, err := intColumn("time", rec[3], 0, 1e6)
	if err != nil {
		return intake.Payment{}, err
	}
	return intake.Payment{
		ID: fmt.Sprintf("amlsim-%d", line), Kind: "transfer", Amount: value, Currency: "USD",
		From: AMLSimAccount(src), To: AMLSimAccount(dst), Source: "replay",
		Time: AMLSimEpoch.Add(time.Duration(step) * 24 * time.Hour).UnixNano(),
	}, nil
}

// ReadAMLSim streams an AMLSim transactions.csv (with header).
func ReadAMLSim(r io.Reader, name string, fn func(intake.Payment) error) error {
	return rows(r, name, AMLSimHeader, len(AMLSimHeader), func(rec []string, line int) error {
		p, err := ParseAMLSimRow(rec, line)
		if err != nil {
			return err
		}
		return fn(p)
	})
}

// LoadAMLSim reads the AMLSim transactions file at path.
func LoadAMLSim(path string) ([]intake.Payment, error) {
	var out []intake.Payment
	err := withFile(path, func(r io.Reader, name string) error {
		return ReadAMLSim(r, name, func(p intake.Payment) error { out = append(out, p); return nil })
	})
	return out, err
}

// AMLNode is one AMLSim account with its label.
type AMLNode struct {
	Account     string // AMLSimAccount of the node id
	Fraud       bool
	InitBalance decimal.Decimal
	FraudStep   int64 // day the account turned fraudulent; -1 when never
}

// ParseAMLSimNode reads one row of nodes.csv.
func ParseAMLSimNode(rec []string) (AMLNode, error) {
	if len(rec) != 4 {
		return AMLNode{}, fmt.Errorf("%d columns, want 4", len(rec))
	}
	id, err := intColumn("nodeid", rec[0], 0, 1e9)
	if err != nil {
		return AMLNode{}, err
	}
	fraud, err := flagColumn("isFraud", rec[1])
	if err != nil {
		return AMLNode{}, err
	}
	bal, err := decimalColumn("init_balance", rec[2], false)
	if err != nil {
		return AMLNode{}, err
	}
	step, err := intColumn("fraudStep", rec[3], -1, 1e6)
	if err != nil {
		return AMLNode{}, err
	}
	return AMLNode{Account: AMLSimAccount(id), Fraud: fraud, InitBalance: bal, FraudStep: step}, nil
}

// LoadAMLSimNodes reads nodes.csv at path into a map by account. A node
// listed twice is an error naming the line.
func LoadAMLSimNodes(path string) (map[string]AMLNode, error) {
	out := map[string]AMLNode{}
	err := withFile(path, func(r io.Reader, name string) error {
		return rows(r, name, AMLSimNodesHeader, 4, func(rec []string, line int) error {
			n, err := ParseAMLSimNode(rec)
			if err != nil {
				return err
			}
			if _, dup := out[n.Account]; dup {
				return fmt.Errorf("node %s listed twice", n.Account)
			}
			out[n.Account] = n
			return nil
		})
	})
	return out, err
}

// LabelAMLSim labels a payment fraudulent when both its accounts are:
// AMLSim labels accounts, not transactions, and its fan-in and cycle
// patterns run between fraud-labelled accounts only.
func LabelAMLSim(payments []intake.Payment, nodes map[string]AMLNode) []Labeled[intake.Payment] {
	out := make([]Labeled[intake.Payment], len(payments))
	for i, p := range payments {
		out[i] = Labeled[intake.Payment]{Item: p, Fraud: nodes[p.From].Fraud && nodes[p.To].Fraud}
	}
	return out
}
