package replay

import (
	"fmt"
	"math/rand/v2"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// What the generator plants so that decisions vary.
const (
	// RestrictedSymbol is the symbol of every 50th order; rule packs used
	// with generated data list it as restricted.
	RestrictedSymbol = "RSTR"
	// CollarBreach is the factor over the reference price of every 40th
	// order.
	CollarBreach = "1.25"
	// DrainShare is the share of the balance every 30th payment moves.
	DrainShare = "0.98"
)

// GeneratorEpoch is the time of the first generated submission.
var GeneratorEpoch = time.Date(2024, 1, 2, 14, 30, 0, 0, time.UTC)

// ReferencePrices are the generator's symbols and their reference prices
// in USD.
var ReferencePrices = map[string]string{
	"AAPL": "585.00", "MSFT": "30.00", "JPM": "36.00", "XOM": "84.00", "GE": "19.50",
}

var generatorSymbols = []string{"AAPL", "MSFT", "JPM", "XOM", "GE"}

// Generator produces a deterministic stream of realistic orders and
// payments from a seed (math/rand/v2 PCG). Not safe for concurrent use.
type Generator struct {
	rng      *rand.Rand
	clock    time.Time
	orders   int
	payments int
	open     []intake.Order // new orders not yet cancelled or executed
	balances []decimal.Decimal
}

// NewGenerator returns a generator; equal seeds give equal streams.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), clock: GeneratorEpoch}
	g.balances = make([]decimal.Decimal, 200)
	for i := range g.balances {
		g.balances[i] = decimal.New(int64(1000+g.rng.IntN(99000)), 0)
	}
	return g
}

// tick advances the clock by 1 to 500 ms.
func (g *Generator) tick() int64 {
	g.clock = g.clock.Add(time.Duration(1+g.rng.IntN(500)) * time.Millisecond)
	return g.clock.UnixNano()
}

// Orders returns the next n orders: about 70 % new, 20 % cancels and
// 10 % executions of earlier orders, spread over traders T1..T4; every
// 50th is for RestrictedSymbol and every 40th is priced CollarBreach
// times its reference.
func (g *Generator) Orders(n int) []intake.Order {
	out := make([]intake.Order, 0, n)
	for range n {
		g.orders++
		r := g.rng.IntN(10)
		switch {
		case r >= 7 && r < 9 && len(g.open) > 0:
			out = append(out, g.follow(entry.OrderCancel))
		case r == 9 && len(g.open) > 0:
			out = append(out, g.follow(entry.OrderExecute))
		default:
			out = append(out, g.newOrder())
		}
	}
	return out
}

func (g *Generator) newOrder() intake.Order {
	symbol := generatorSymbols[g.rng.IntN(len(generatorSymbols))]
	ref := decimal.RequireFromString(ReferencePrices[symbol])
	// Within 1 % of the reference, in cents.
	price := ref.Mul(decimal.New(int64(9900+g.rng.IntN(201)), -4)).Round(2)
	if g.orders%40 == 23 {
		price = ref.Mul(decimal.RequireFromString(CollarBreach)).Round(2)
	}
	if g.orders%50 == 17 {
		symbol = RestrictedSymbol
	}
	t := 1 + g.rng.IntN(4)
	side := entry.Buy
	if g.rng.IntN(2) == 1 {
		side = entry.Sell
	}
	o := intake.Order{
		ID: fmt.Sprintf("gen-o-%06d", g.orders), OrderID: fmt.Sprintf("GEN-%06d", g.orders),
		Event: entry.OrderNew, Symbol: symbol, Side: side, Quantity: int64(100 * (1 + g.rng.IntN(50))),
		Price: price, Trader: fmt.Sprintf("T%d", t), Account: fmt.Sprintf("ACCT-T%d", t),
		Source: "replay", Time: g.tick(),
	}
	g.open = append(g.open, o)
	return o
}

// follow cancels or executes a random open order.
func (g *Generator) follow(ev entry.OrderEvent) intake.Order {
	i := g.rng.IntN(len(g.open))
	o := g.open[i]
	g.open = append(g.open[:i], g.open[i+1:]...)
	o.ID, o.Event, o.Time = fmt.Sprintf("gen-o-%06d", g.orders), ev, g.tick()
	return o
}

var generatorKinds = []string{"payment", "payment", "payment", "transfer", "transfer", "cash_out", "cash_in", "wire", "debit"}

// Payments returns the next n payments between 200 accounts ACC-0001 to
// ACC-0200, each moving up to 30 % of the payer's running balance;
// every 30th moves DrainShare of it.
func (g *Generator) Payments(n int) []intake.Payment {
	out := make([]intake.Payment, 0, n)
	for range n {
		g.payments++
		from := g.rng.IntN(len(g.balances))
		to := (from + 1 + g.rng.IntN(len(g.balances)-1)) % len(g.balances)
		bal := g.balances[from]
		share := decimal.New(int64(1+g.rng.IntN(300)), -3)
		if g.payments%30 == 11 {
			share = decimal.RequireFromString(DrainShare)
		}
		amount := bal.Mul(share).Round(2)
		if !amount.IsPositive() {
			amount = decimal.New(1, 0)
		}
		out = append(out, intake.Payment{
			ID: fmt.Sprintf("gen-p-%06d", g.payments), Kind: generatorKinds[g.rng.IntN(len(generatorKinds))],
			Amount: amount, Currency: "USD", From: fmt.Sprintf("ACC-%04d", from+1),
			To: fmt.Sprintf("ACC-%04d", to+1), FromBalance: bal, Source: "replay", Time: g.tick(),
		})
		g.balances[from] = decimal.Max(bal.Sub(amount), decimal.Zero)
		g.balances[to] = g.balances[to].Add(amount)
	}
	return out
}
