package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// orderIn is the wire form of an order; pointers tell absent from zero.
type orderIn struct {
	ID       string `json:"id"`
	OrderID  string `json:"order_id"`
	Event    string `json:"event"`
	Symbol   string `json:"symbol"`
	Side     string `json:"side"`
	Quantity *int64 `json:"qty"`
	Price    Amount `json:"price"`
	Trader   string `json:"trader"`
	Account  string `json:"account"`
	Source   string `json:"source"`
	Time     int64  `json:"time_ns"`
}

// paymentIn is the wire form of a payment.
type paymentIn struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Amount      Amount `json:"amount"`
	Currency    string `json:"currency"`
	From        string `json:"from"`
	To          string `json:"to"`
	FromBalance Amount `json:"from_balance"`
	Source      string `json:"source"`
	Time        int64  `json:"time_ns"`
}

// order checks presence (M5) and builds the intake form; the trader
// defaults to the actor. Ranges and formats are the Submitter's to
// judge; it answers with a receipt Error.
func (o *orderIn) order(actor string) (intake.Order, error) {
	missing := missingFields(map[string]bool{
		"order_id": o.OrderID == "", "event": o.Event == "", "symbol": o.Symbol == "",
		"side": o.Side == "", "qty": o.Quantity == nil, "price": !o.Price.Set, "account": o.Account == "",
	})
	if missing != "" {
		return intake.Order{}, errors.New("missing " + missing)
	}
	src, err := source(o.Source)
	if err != nil {
		return intake.Order{}, err
	}
	if o.Trader == "" {
		o.Trader = actor
	}
	return intake.Order{ID: o.ID, OrderID: o.OrderID, Event: entry.OrderEvent(o.Event),
		Symbol: o.Symbol, Side: entry.Side(o.Side), Quantity: *o.Quantity, Price: o.Price.Decimal,
		Trader: o.Trader, Account: o.Account, Source: src, Time: o.Time}, nil
}

func (p *paymentIn) payment() (intake.Payment, error) {
	missing := missingFields(map[string]bool{
		"id": p.ID == "", "kind": p.Kind == "", "amount": !p.Amount.Set,
		"currency": p.Currency == "", "from": p.From == "", "to": p.To == "",
	})
	if missing != "" {
		return intake.Payment{}, errors.New("missing " + missing)
	}
	src, err := source(p.Source)
	if err != nil {
		return intake.Payment{}, err
	}
	return intake.Payment{ID: p.ID, Kind: p.Kind, Amount: p.Amount.Decimal, Currency: p.Currency,
		From: p.From, To: p.To, FromBalance: p.FromBalance.Decimal, Source: src, Time: p.Time}, nil
}

// source allows "api" (the default) and "replay" from the floor.
func source(s string) (string, error) {
	switch s {
	case "", "api":
		return "api", nil
	case "replay":
		return s, nil
	}
	return "", fmt.Errorf("source %q not allowed, want api or replay", clip(s))
}

// missingFields lists, in a stable order, the names flagged true.
func missingFields(flags map[string]bool) string {
	var names []string
	for _, n := range []string{"id", "order_id", "event", "symbol", "side", "qty", "price",
		"kind", "amount", "currency", "from", "to", "account"} {
		if flags[n] {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// readItems reads a body holding one JSON object or an array of at most
// max objects and returns each item's raw bytes; single reports which.
func readItems(w http.ResponseWriter, r *http.Request, maxBody int64, max int) ([]json.RawMessage, bool, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, false, &apiError{status: http.StatusRequestEntityTooLarge, public: fmt.Sprintf("body larger than %d bytes", maxBody)}
		}
		return nil, false, &apiError{status: http.StatusBadRequest, public: "failed to read body", cause: err}
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, false, badRequest("empty body, want a JSON object or array")
	}
	if trimmed[0] != '[' {
		return []json.RawMessage{body}, true, nil
	}
	var items []json.RawMessage
	if err := strictDecode(body, &items); err != nil {
		return nil, false, badRequest("malformed JSON array: " + err.Error())
	}
	if len(items) > max {
		return nil, false, &apiError{status: http.StatusRequestEntityTooLarge, public: fmt.Sprintf("%d items, at most %d per request", len(items), max)}
	}
	if len(items) == 0 {
		return nil, false, badRequest("empty array")
	}
	return items, false, nil
}

// strictDecode decodes one JSON value, refusing unknown fields and
// trailing data.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// cleanJSONError turns decoder errors into messages that name the field
// without Go type names.
func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q has the wrong type (%s)", te.Field, te.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return errors.New(msg)
}
