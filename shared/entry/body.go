package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// OrderEvent is the life-cycle step an order entry records.
type OrderEvent string

// Order events, after the FINRA CAT event families.
const (
	OrderNew     OrderEvent = "new"
	OrderModify  OrderEvent = "modify"
	OrderCancel  OrderEvent = "cancel"
	OrderRoute   OrderEvent = "route"
	OrderExecute OrderEvent = "execute"
)

// Side is an order side.
type Side string

// Order sides.
const (
	Buy  Side = "buy"
	Sell Side = "sell"
)

// Order is the body of an order entry. Account is a commitment, never the
// account number. Price is a decimal in the instrument's currency.
type Order struct {
	OrderID  string          `json:"order_id"`
	Event    OrderEvent      `json:"event"`
	Symbol   string          `json:"symbol"`
	Side     Side            `json:"side"`
	Quantity int64           `json:"qty"`
	Price    decimal.Decimal `json:"price"`
	Trader   string          `json:"trader"`
	Account  string          `json:"account"`
	Source   string          `json:"source"` // api, fix or replay
}

// Payment is the body of a payment entry. From and To are commitments.
type Payment struct {
	PaymentID string          `json:"payment_id"`
	Kind      string          `json:"kind"` // transfer, payment, cash_out, cash_in, debit, wire
	Amount    decimal.Decimal `json:"amount"`
	Currency  string          `json:"currency"`
	From      string          `json:"from"`
	To        string          `json:"to"`
	Source    string          `json:"source"`
}

// Login is the body of an authentication event.
type Login struct {
	Subject string `json:"subject"`
	Method  string `json:"method"` // password, webauthn, totp, certificate
	Result  string `json:"result"` // success, failure
	Station string `json:"station"`
}

// Approval records a four-eyes approval, an override or a containment.
type Approval struct {
	Subject  string `json:"subject"`  // what was approved: an entry id or a model
	Action   string `json:"action"`   // approve, override, contain, release
	Approver string `json:"approver"` // second pair of eyes
	Note     string `json:"note,omitempty"`
}

// Config records a configuration or rule-pack change.
type Config struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	Digest  string `json:"digest"` // hex SHA-256 of the new content
}

// Ceremony records one step of a key ceremony.
type Ceremony struct {
	Step    string `json:"step"`
	KeyID   string `json:"key_id"`
	Details string `json:"details,omitempty"`
}

var paymentKinds = map[string]bool{
	"transfer": true, "payment": true, "cash_out": true, "cash_in": true, "debit": true, "wire": true,
}

var orderEvents = map[OrderEvent]bool{
	OrderNew: true, OrderModify: true, OrderCancel: true, OrderRoute: true, OrderExecute: true,
}

// validateBody decodes raw strictly into the schema of t and checks it.
func validateBody(t Type, raw json.RawMessage) error {
	switch t {
	case TypeOrder:
		var o Order
		return decodeStrict(raw, &o, o.validate)
	case TypePayment:
		var p Payment
		return decodeStrict(raw, &p, p.validate)
	case TypeLogin:
		var l Login
		return decodeStrict(raw, &l, l.validate)
	case TypeApproval:
		var a Approval
		return decodeStrict(raw, &a, a.validate)
	case TypeConfig:
		var c Config
		return decodeStrict(raw, &c, c.validate)
	case TypeCeremony:
		var c Ceremony
		return decodeStrict(raw, &c, c.validate)
	case TypeAmendment:
		var a Amendment
		return decodeStrict(raw, &a, a.validate)
	case TypeDisposal:
		var d Disposal
		return decodeStrict(raw, &d, d.validate)
	}
	return fmt.Errorf("no schema for type %q", t)
}

func decodeStrict(raw json.RawMessage, v any, check func() error) error {
	if len(raw) == 0 {
		return errors.New("missing body")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	if err := check(); err != nil {
		return err
	}
	again, err := NewBody(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, raw) {
		return ErrNotCanonical
	}
	return nil
}

func (o *Order) validate() error {
	switch {
	case !validID(o.OrderID):
		return fmt.Errorf("malformed order_id %q", o.OrderID)
	case !orderEvents[o.Event]:
		return fmt.Errorf("unknown order event %q", o.Event)
	case !validSymbol(o.Symbol):
		return fmt.Errorf("malformed symbol %q", o.Symbol)
	case o.Side != Buy && o.Side != Sell:
		return fmt.Errorf("unknown side %q", o.Side)
	case o.Quantity < 0 || o.Quantity > 1e12:
		return fmt.Errorf("quantity %d out of range", o.Quantity)
	case o.Price.IsNegative():
		return fmt.Errorf("negative price %s", o.Price)
	case !validID(o.Trader):
		return fmt.Errorf("malformed trader %q", o.Trader)
	case !IsCommitment(o.Account):
		return errors.New("account is not a commitment")
	case !validName(o.Source, 16):
		return fmt.Errorf("malformed source %q", o.Source)
	}
	return nil
}

func (p *Payment) validate() error {
	switch {
	case !validID(p.PaymentID):
		return fmt.Errorf("malformed payment_id %q", p.PaymentID)
	case !paymentKinds[p.Kind]:
		return fmt.Errorf("unknown payment kind %q", p.Kind)
	case p.Amount.IsNegative():
		return fmt.Errorf("negative amount %s", p.Amount)
	case len(p.Currency) != 3 || !validSymbol(p.Currency):
		return fmt.Errorf("malformed currency %q", p.Currency)
	case !IsCommitment(p.From) || !IsCommitment(p.To):
		return errors.New("from and to must be commitments")
	case !validName(p.Source, 16):
		return fmt.Errorf("malformed source %q", p.Source)
	}
	return nil
}

func (l *Login) validate() error {
	if !validID(l.Subject) || !validName(l.Method, 16) || !validName(l.Result, 16) || !validID(l.Station) {
		return errors.New("malformed login fields")
	}
	return nil
}

func (a *Approval) validate() error {
	if !validID(a.Subject) || !validName(a.Action, 16) || !validID(a.Approver) || len(a.Note) > 1024 {
		return errors.New("malformed approval fields")
	}
	return nil
}

func (c *Config) validate() error {
	if !validID(c.Key) || !validID(c.Version) || len(c.Digest) != 64 {
		return errors.New("malformed config fields")
	}
	return nil
}

func (c *Ceremony) validate() error {
	if !validName(c.Step, 32) || !validID(c.KeyID) || len(c.Details) > 1024 {
		return errors.New("malformed ceremony fields")
	}
	return nil
}

// validSymbol reports whether s is 1 to 12 characters of A-Z, 0-9, '.' and '-'.
func validSymbol(s string) bool {
	if len(s) == 0 || len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// NewBody encodes a typed body canonically for an Envelope.
func NewBody(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to encode body: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
