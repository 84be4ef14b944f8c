package report

import (
	"maps"
	"slices"

	"github.com/shopspring/decimal"

	"bastion/shared/entry"
)

// Positions are the net securities positions the executions in the ledger
// built, per symbol, with the last execution price as the mark. Rejected
// executions never took effect and are skipped. Not safe for concurrent
// use.
type Positions struct {
	bySymbol map[string]*Position
}

// Position is the net quantity held in one symbol (negative when short)
// and the price of its last execution.
type Position struct {
	Symbol   string          `json:"symbol"`
	Quantity int64           `json:"qty"`
	Price    decimal.Decimal `json:"last_price"`
	Trades   int             `json:"executions"`
}

// NewPositions returns flat positions.
func NewPositions() *Positions { return &Positions{bySymbol: map[string]*Position{}} }

// Apply moves the positions by one entry; entries other than accepted or
// reviewed executions leave them alone.
func (p *Positions) Apply(env *entry.Envelope) {
	var o entry.Order
	if env.Type != entry.TypeOrder || decodeBody(env, &o) != nil || o.Event != entry.OrderExecute {
		return
	}
	if d := env.Decision; d != nil && d.Outcome == entry.Reject {
		return
	}
	pos, ok := p.bySymbol[o.Symbol]
	if !ok {
		pos = &Position{Symbol: o.Symbol}
		p.bySymbol[o.Symbol] = pos
	}
	if o.Side == entry.Buy {
		pos.Quantity += o.Quantity
	} else {
		pos.Quantity -= o.Quantity
	}
	pos.Price = o.Price
	pos.Trades++
}

// List returns the positions sorted by symbol.
func (p *Positions) List() []Position {
	out := make([]Position, 0, len(p.bySymbol))
	for _, s := range slices.Sorted(maps.Keys(p.bySymbol)) {
		out = append(out, *p.bySymbol[s])
	}
	return out
}
