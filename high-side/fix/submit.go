package fix

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// maxText bounds the Text (58) of a reply, in bytes.
const maxText = 256

// newOrder submits a NewOrderSingle and answers with an ExecutionReport.
func (s *session) newOrder(m *Message, seq int64) bool {
	o, err := ParseNewOrderSingle(m)
	if err != nil {
		return s.rejectField(m, seq, err)
	}
	ord := intake.Order{
		ID: s.idempotencyKey(o.ClOrdID), OrderID: o.ClOrdID, Event: entry.OrderNew,
		Symbol: o.Symbol, Side: side(o.Side), Quantity: o.OrderQty.IntPart(), Price: o.Price,
		Account: o.Account, Source: "fix", Time: o.TransactTime.UnixNano(),
	}
	rep := ExecutionReport{MsgType: MsgExecutionReport, ClOrdID: o.ClOrdID, Account: o.Account,
		Symbol: o.Symbol, Side: o.Side, OrderQty: o.OrderQty, Price: o.Price, TransactTime: time.Now()}
	rec, ok := s.submit(&ord, o.SenderSubID)
	s.decide(&rep, rec, ok, StatusNew)
	return s.send(rep.Message(s.link.begin))
}

// cancelOrder submits an OrderCancelRequest. An accepted cancel is
// answered with an ExecutionReport (ExecType 4, canceled), a held one with
// ExecType 6 (pending cancel), a refused one with an OrderCancelReject (9).
func (s *session) cancelOrder(m *Message, seq int64) bool {
	c, err := ParseOrderCancelRequest(m)
	if err != nil {
		return s.rejectField(m, seq, err)
	}
	ord := intake.Order{
		ID: s.idempotencyKey(c.ClOrdID), OrderID: c.OrigClOrdID, Event: entry.OrderCancel,
		Symbol: c.Symbol, Side: side(c.Side), Quantity: c.OrderQty.IntPart(),
		Account: c.Account, Source: "fix", Time: c.TransactTime.UnixNano(),
	}
	rep := ExecutionReport{MsgType: MsgExecutionReport, ClOrdID: c.ClOrdID, OrigClOrdID: c.OrigClOrdID,
		Account: c.Account, Symbol: c.Symbol, Side: c.Side, OrderQty: c.OrderQty, TransactTime: time.Now()}
	rec, ok := s.submit(&ord, c.SenderSubID)
	s.decide(&rep, rec, ok, StatusCanceled)
	switch rep.OrdStatus {
	case StatusPendingNew:
		rep.ExecType, rep.OrdStatus = "6", "6"
	case StatusRejected:
		rep.MsgType, rep.RejectReason = MsgOrderCancelReject, "2"
		if strings.Contains(rep.Text, entry.ReasonUnknownOrder) {
			rep.RejectReason = "1"
		}
	}
	return s.send(rep.Message(s.link.begin))
}

// idempotencyKey is "fix:" SenderCompID ":" ClOrdID; CompIDs hold no ':'
// so two sessions can never produce the same key.
func (s *session) idempotencyKey(clOrdID string) string {
	return "fix:" + s.link.target + ":" + clOrdID
}

func side(s string) entry.Side {
	if s == SideBuy {
		return entry.Buy
	}
	return entry.Sell
}

// submit resolves the trader and hands the order to the Submitter. ok is
// false when the submission failed and its fate is unknown.
func (s *session) submit(o *intake.Order, subID string) (intake.Receipt, bool) {
	trader, found := s.trader(subID, o.Account)
	if !found {
		return intake.Receipt{ID: o.ID, Outcome: entry.Reject,
			Reasons: []string{entry.ReasonMalformedRequest},
			Error:   "no trader configured for this SenderSubID or Account"}, true
	}
	o.Trader = trader
	ctx, cancel := context.WithTimeout(s.a.ctx, s.a.cfg.SubmitTimeout)
	defer cancel()
	recs, err := s.a.sub.SubmitOrders(ctx, trader, []intake.Order{*o})
	if err == nil && len(recs) != 1 {
		err = errors.New("submitter returned no receipt")
	}
	if err != nil {
		s.logger.Error("fix order submission failed", slog.String("id", o.ID), slog.Any("err", err))
		return intake.Receipt{ID: o.ID}, false
	}
	return recs[0], true
}

// trader maps SenderSubID, then Account, then the session default.
func (s *session) trader(subID, account string) (string, bool) {
	cfg := s.st.cfg
	if t, ok := cfg.Traders[subID]; ok && subID != "" {
		return t, true
	}
	if t, ok := cfg.Traders[account]; ok && account != "" {
		return t, true
	}
	return cfg.Trader, cfg.Trader != ""
}

// decide fills the report's status and text from a receipt: accept gives
// okStatus, review gives pending new (the order is held), reject or a
// malformed submission gives rejected with the reason codes in Text.
func (s *session) decide(rep *ExecutionReport, rec intake.Receipt, ok bool, okStatus string) {
	rep.OrderID, rep.ExecID = "NONE", "X-"+rep.ClOrdID
	if rec.Index > 0 {
		idx := strconv.FormatUint(rec.Index, 10)
		rep.OrderID, rep.ExecID = idx, "E-"+idx
	}
	status := okStatus
	switch {
	case !ok:
		status, rep.Text = StatusRejected, "SUBMIT_FAILED; status unknown, resend with the same ClOrdID"
	case rec.Error != "":
		status, rep.Text = StatusRejected, reasonText(rec.Reasons, entry.ReasonMalformedRequest, rec.Error)
	case rec.Outcome == entry.Accept:
		rep.Text = strings.Join(rec.Reasons, ",")
	case rec.Outcome == entry.Review:
		status, rep.Text = StatusPendingNew, reasonText(rec.Reasons, "", "")
	default:
		status, rep.Text = StatusRejected, reasonText(rec.Reasons, "", "")
	}
	if status == StatusRejected {
		rep.RejectReason = "0"
	}
	rep.ExecType, rep.OrdStatus = status, status
	rep.Text = sanitizeText(rep.Text)
}

// reasonText joins the codes with ',' (adding fallback when there are
// none) and appends "; detail" when given.
func reasonText(codes []string, fallback, detail string) string {
	if len(codes) == 0 && fallback != "" {
		codes = []string{fallback}
	}
	t := strings.Join(codes, ",")
	if detail != "" {
		t += "; " + detail
	}
	return t
}

// sanitizeText keeps printable ASCII and bounds the length.
func sanitizeText(t string) string {
	b := []byte(t)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '?'
		}
	}
	if len(b) > maxText {
		b = b[:maxText]
	}
	return string(b)
}

// rejectField answers a message whose fields are wrong with a session
// Reject (3) naming the tag.
func (s *session) rejectField(m *Message, seq int64, err error) bool {
	var fe *FieldError
	if !errors.As(err, &fe) {
		fe = &FieldError{Reason: RejectValueIncorrect, Msg: err.Error()}
	}
	s.logger.Info("fix message rejected", slog.Int64("seq", seq), slog.String("msg_type", m.MsgType), slog.String("reason", fe.Error()))
	return s.send(NewReject(s.link.begin, seq, m.MsgType, fe))
}
