package report

import (
	"encoding/json"
	"strconv"

	"bastion/shared/entry"
)

// CAT event type codes (FINRA CAT Reporting Technical Specifications for
// Industry Members, §4 Order Events).
const (
	CATNewOrder = "MENO" // §4.1 New Order Event
	CATRoute    = "MEOR" // §4.2 Order Route Event
	CATModify   = "MEOM" // §4.6 Order Modified Event
	CATCancel   = "MEOC" // §4.8 Order Cancelled Event
	CATTrade    = "MEOT" // §5.1 Trade Event
)

// CATConfig is the firm's CAT identity and the values the ledger does not
// record. The zero value is not usable; DefaultCATConfig gives placeholders.
type CATConfig struct {
	SubmitterID string // CAT Submitter ID, in file names
	IMID        string // CATReporterIMID of every event
	// FDIDKey is the secret key of the firm-designated id derivation
	// (FirmDesignatedID); at least 32 bytes.
	FDIDKey []byte
	// Destination and DestinationType fill route events: the entry
	// envelope does not say where an order was routed.
	Destination     string
	DestinationType string
}

// DefaultCATConfig returns placeholder identifiers for tests and demos.
func DefaultCATConfig(fdidKey []byte) CATConfig {
	return CATConfig{SubmitterID: "100000", IMID: "BSTN", FDIDKey: fdidKey,
		Destination: "XNAS", DestinationType: "E"}
}

// CATEvent is one CAT order event record: one JSON line of the order
// events file. Field names are those of the CAT technical specifications;
// timestamps are nanoseconds since the Unix epoch.
type CATEvent struct {
	ActionType        string            `json:"actionType"`
	FirmROEID         string            `json:"firmROEID"`
	Type              string            `json:"type"`
	CATReporterIMID   string            `json:"CATReporterIMID"`
	OrderKeyDate      int64             `json:"orderKeyDate,omitempty"`
	OrderID           string            `json:"orderID,omitempty"`
	PriorOrderKeyDate int64             `json:"priorOrderKeyDate,omitempty"`
	PriorOrderID      string            `json:"priorOrderID,omitempty"`
	Symbol            string            `json:"symbol"`
	EventTimestamp    int64             `json:"eventTimestamp"`
	ManualFlag        bool              `json:"manualFlag"`
	DeptType          string            `json:"deptType,omitempty"`
	Side              string            `json:"side,omitempty"`
	Price             json.Number       `json:"price,omitempty"`
	Quantity          int64             `json:"quantity,omitempty"`
	LeavesQty         *int64            `json:"leavesQty,omitempty"`
	CancelQty         int64             `json:"cancelQty,omitempty"`
	OrderType         string            `json:"orderType,omitempty"`
	TimeInForce       map[string]string `json:"timeInForce,omitempty"`
	TradingSession    string            `json:"tradingSession,omitempty"`
	FirmDesignatedID  string            `json:"firmDesignatedID,omitempty"`
	AccountHolderType string            `json:"accountHolderType,omitempty"`
	Destination       string            `json:"destination,omitempty"`
	DestinationType   string            `json:"destinationType,omitempty"`
	RoutedOrderID     string            `json:"routedOrderID,omitempty"`
	TradeID           string            `json:"tradeID,omitempty"`
	TradeKeyDate      int64             `json:"tradeKeyDate,omitempty"`
	BuyDetails        *CATTradeSide     `json:"buyDetails,omitempty"`
	SellDetails       *CATTradeSide     `json:"sellDetails,omitempty"`
}

// CATTradeSide is the firm's side of a trade event.
type CATTradeSide struct {
	OrderKeyDate int64  `json:"orderKeyDate"`
	OrderID      string `json:"orderID"`
	Side         string `json:"side"`
}

// HeldBack is an order event the CAT file leaves out, with why.
type HeldBack struct {
	Index  uint64 `json:"ledger_index"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// catSides maps order sides to CAT side codes.
var catSides = map[entry.Side]string{entry.Buy: "B", entry.Sell: "SL"}

// catTypes maps order events to CAT event types.
var catTypes = map[entry.OrderEvent]string{
	entry.OrderNew: CATNewOrder, entry.OrderRoute: CATRoute, entry.OrderModify: CATModify,
	entry.OrderCancel: CATCancel, entry.OrderExecute: CATTrade,
}

// BuildCAT returns the day's CAT order events in ledger order; day.Book
// is left as it was. Rejected submissions are left out (they never took effect
// and appear in the 15c3-5 report); so are events of orders the book does
// not know, for example one whose new-order entry was withheld above the
// release label: those are returned as HeldBack.
func BuildCAT(day *Day, cfg CATConfig) ([]CATEvent, []HeldBack) {
	events, held := []CATEvent{}, []HeldBack{}
	book := day.Book.Clone()
	for _, e := range day.Entries {
		ch, o, ok := book.Apply(e)
		if !ok {
			continue
		}
		if o.Event != entry.OrderNew && !ch.known {
			held = append(held, HeldBack{Index: e.Index, ID: e.Env.ID,
				Reason: "order " + o.OrderID + " has no released new-order event"})
			continue
		}
		events = append(events, catEvent(e, o, ch, cfg))
	}
	return events, held
}

// catEvent builds the record of one order event.
func catEvent(e DayEntry, o entry.Order, ch orderChange, cfg CATConfig) CATEvent {
	t := e.Env.Timestamp()
	ev := CATEvent{
		ActionType: "NEW", FirmROEID: t.Format("20060102") + "_" + strconv.FormatUint(e.Index, 10),
		Type: catTypes[o.Event], CATReporterIMID: cfg.IMID, Symbol: o.Symbol,
		EventTimestamp: e.Env.Time, Side: catSides[o.Side],
	}
	switch o.Event {
	case entry.OrderNew, entry.OrderModify:
		ev.OrderKeyDate, ev.OrderID = ch.after.keyDate, o.OrderID
		ev.DeptType, ev.OrderType, ev.TradingSession, ev.AccountHolderType = "A", "LMT", "REG", "A"
		ev.Price, ev.Quantity = json.Number(o.Price.String()), o.Quantity
		ev.TimeInForce = map[string]string{"DAY": t.Format("20060102")}
		ev.FirmDesignatedID = FirmDesignatedID(cfg.FDIDKey, ch.after.account)
		if o.Event == entry.OrderModify {
			ev.PriorOrderKeyDate, ev.PriorOrderID = ch.before.keyDate, o.OrderID
			ev.LeavesQty = &ch.after.leaves
		}
	case entry.OrderRoute:
		ev.OrderKeyDate, ev.OrderID = ch.before.keyDate, o.OrderID
		ev.Price, ev.Quantity, ev.OrderType = json.Number(o.Price.String()), o.Quantity, "LMT"
		ev.Destination, ev.DestinationType, ev.RoutedOrderID = cfg.Destination, cfg.DestinationType, o.OrderID
	case entry.OrderCancel:
		ev.OrderKeyDate, ev.OrderID = ch.before.keyDate, o.OrderID
		ev.CancelQty, ev.LeavesQty = ch.cancelQty, &ch.after.leaves
	case entry.OrderExecute:
		tradeSide(&ev, o, ch, e)
	}
	return ev
}

// tradeSide fills a trade event with the firm's side.
func tradeSide(ev *CATEvent, o entry.Order, ch orderChange, e DayEntry) {
	ev.Side = ""
	ev.TradeID, ev.TradeKeyDate = e.Env.ID, e.Env.Time
	ev.Price, ev.Quantity = json.Number(o.Price.String()), o.Quantity
	side := &CATTradeSide{OrderKeyDate: ch.before.keyDate, OrderID: o.OrderID, Side: catSides[o.Side]}
	if o.Side == entry.Buy {
		ev.BuyDetails = side
	} else {
		ev.SellDetails = side
	}
}
