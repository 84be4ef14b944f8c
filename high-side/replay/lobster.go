package replay

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// LOBSTER event types (LOBSTER message file, column 2).
const (
	LOBSTERSubmit        = 1
	LOBSTERPartialCancel = 2
	LOBSTERDelete        = 3
	LOBSTERExecute       = 4
	LOBSTERHiddenExecute = 5
	LOBSTERHalt          = 7
)

// lobsterSession is midnight of 2012-06-21 in New York. NASDAQ times in
// the file are seconds after local midnight; June is EDT (UTC-4), fixed
// here so no time-zone database is needed.
var lobsterSession = time.Date(2012, 6, 21, 0, 0, 0, 0, time.FixedZone("EDT", -4*3600))

// LOBSTERRow is one row of a LOBSTER message file.
type LOBSTERRow struct {
	Time      time.Time       // event time
	Type      int             // LOBSTERSubmit ... LOBSTERHalt
	OrderID   int64           // 0 for hidden executions
	Size      int64           // shares
	Price     decimal.Decimal // USD (the file holds USD x 10000)
	Direction int             // 1 buy, -1 sell
}

// ParseLOBSTERRow reads the six columns: time (seconds after midnight
// with up to 9 decimals), event type, order id, size, price in USD x
// 10000, direction.
func ParseLOBSTERRow(rec []string) (LOBSTERRow, error) {
	var row LOBSTERRow
	if len(rec) != 6 {
		return row, fmt.Errorf("%d columns, want 6", len(rec))
	}
	ns, err := secondsAfterMidnight(rec[0])
	if err != nil {
		return row, err
	}
	row.Time = lobsterSession.Add(time.Duration(ns))
	typ, err := intColumn("event type", rec[1], 1, 7)
	if err != nil || typ == 6 {
		return row, fmt.Errorf("column event type: %q is not 1, 2, 3, 4, 5 or 7", clip(rec[1]))
	}
	row.Type = int(typ)
	if row.OrderID, err = intColumn("order id", rec[2], 0, 1<<53); err != nil {
		return row, err
	}
	if row.Size, err = intColumn("size", rec[3], 0, 1e9); err != nil {
		return row, err
	}
	price, err := intColumn("price", rec[4], -1e12, 1e12)
	if err != nil {
		return row, err
	}
	row.Price = decimal.New(price, -4)
	dir, err := intColumn("direction", rec[5], -1, 1)
	if err != nil || dir == 0 {
		return row, fmt.Errorf("column direction: %q is not 1 or -1", clip(rec[5]))
	}
	row.Direction = int(dir)
	return row, nil
}

// secondsAfterMidnight parses "34200.004241176" exactly into nanoseconds.
func secondsAfterMidnight(v string) (int64, error) {
	whole, frac, _ := strings.Cut(v, ".")
	bad := fmt.Errorf("column time: %q is not seconds after midnight with up to 9 decimals", clip(v))
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || whole[0] == '-' || whole[0] == '+' || secs >= 86400 || len(frac) > 9 {
		return 0, bad
	}
	ns := int64(0)
	if frac != "" {
		n, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil || frac[0] == '-' || frac[0] == '+' {
			return 0, bad
		}
		ns = n
	}
	return secs*1e9 + ns, nil
}

// LOBSTERTrader returns the trader and account an order id is assigned
// to: order id modulo 4 picks T1..T4, with accounts ACCT-T1..ACCT-T4.
func LOBSTERTrader(orderID int64) (trader, account string) {
	t := "T" + strconv.FormatInt(orderID%4+1, 10)
	return t, "ACCT-" + t
}

// Order maps the row to an order of symbol, or ok false for a trading
// halt (type 7), which is no order event. Submissions become new,
// partial cancels and deletes become cancel (Quantity the shares
// cancelled), visible and hidden executions become execute. The id is
// "lobster-<symbol>-<line>", unique per row.
func (r LOBSTERRow) Order(symbol string, line int) (intake.Order, bool) {
	var ev entry.OrderEvent
	switch r.Type {
	case LOBSTERSubmit:
		ev = entry.OrderNew
	case LOBSTERPartialCancel, LOBSTERDelete:
		ev = entry.OrderCancel
	case LOBSTERExecute, LOBSTERHiddenExecute:
		ev = entry.OrderExecute
	default:
		return intake.Order{}, false
	}
	side := entry.Buy
	if r.Direction < 0 {
		side = entry.Sell
	}
	trader, account := LOBSTERTrader(r.OrderID)
	return intake.Order{
		ID: fmt.Sprintf("lobster-%s-%d", symbol, line), OrderID: symbol + "-" + strconv.FormatInt(r.OrderID, 10),
		Event: ev, Symbol: symbol, Side: side, Quantity: r.Size, Price: r.Price,
		Trader: trader, Account: account, Source: "replay", Time: r.Time.UnixNano(),
	}, true
}

// ReadLOBSTER streams a LOBSTER message file (no header) as AAPL orders,
// calling fn for each order event; halts are skipped.
func ReadLOBSTER(r io.Reader, name string, fn func(intake.Order) error) error {
	return rows(r, name, nil, 6, func(rec []string, line int) error {
		row, err := ParseLOBSTERRow(rec)
		if err != nil {
			return err
		}
		if o, ok := row.Order("AAPL", line); ok {
			return fn(o)
		}
		return nil
	})
}

// LoadLOBSTER reads the LOBSTER message file at path.
func LoadLOBSTER(path string) ([]intake.Order, error) {
	var out []intake.Order
	err := withFile(path, func(r io.Reader, name string) error {
		return ReadLOBSTER(r, name, func(o intake.Order) error { out = append(out, o); return nil })
	})
	return out, err
}
