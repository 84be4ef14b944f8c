package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"bastion/high-side/clearance"
	"bastion/high-side/intake"
	"bastion/high-side/ledger"
	"bastion/high-side/records"
	"bastion/shared/entry"
)

// Discloser is implemented by a Submitter that issues signed disclosures
// (a node wired with the high side's signer). POST /v1/disclosures hands
// it the ledger index and field; it records the request as an entry,
// checks the actor's clearance (the compliance officer's "disclose"
// action) and returns the signed statement. Without it the route answers
// 501.
type Discloser interface {
	Disclose(ctx context.Context, actor string, index uint64, field string) ([]byte, intake.Receipt, error)
}

// RecordKeeper is implemented by a Submitter that amends records and
// rebuilds their versions (a node). Without it the records routes answer
// 501.
type RecordKeeper interface {
	AmendOrder(ctx context.Context, actor string, record uint64, o intake.Order, reason string) (intake.Receipt, error)
	RecordHistory(ctx context.Context, actor string, record uint64) ([]records.Version, error)
}

// LedgerHolder is implemented by a Submitter that holds the ledger (a
// node). The gateway reads its size to tell a client how far the ledger
// reaches when a request names an index beyond it; without it the 404 says
// so without the size.
type LedgerHolder interface {
	Ledger() *ledger.Ledger
}

// DisposalRunner is implemented by a Submitter that runs the retention
// schedule's disposal job (a node wired with the schedule and holds).
// POST /v1/disposals runs it once; without it the route answers 501.
type DisposalRunner interface {
	RunDisposal(ctx context.Context, actor string) (*records.Plan, []intake.Receipt, error)
}

// disclosureIn is the body of POST /v1/disclosures.
type disclosureIn struct {
	Index *uint64 `json:"index"`
	Field string  `json:"field"`
}

// amendmentIn is the body of POST /v1/records/{index}/amendments.
type amendmentIn struct {
	Order  orderIn `json:"order"`
	Reason string  `json:"reason"`
}

// DisposalResponse answers POST /v1/disposals.
type DisposalResponse struct {
	Disposals []entry.Disposal    `json:"disposals"`
	Held      []records.HeldEntry `json:"held"`
	Receipts  []intake.Receipt    `json:"receipts"`
}

// postDisclosure answers with the signed statement as issued, byte for
// byte: 403 with the receipt when the actor is refused, 410 when the
// value was shredded, 404 when the entry has no such field or the index
// lies beyond the ledger, 503 naming the leader on a follower.
func (h *handler) postDisclosure(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	d, ok := h.sub.(Discloser)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "disclosure not available"})
		return
	}
	var in disclosureIn
	if e := h.readOne(w, r, &in); e != nil {
		h.writeError(w, r, e)
		return
	}
	if in.Index == nil || in.Field == "" {
		h.writeError(w, r, badRequest("a disclosure request needs index and field"))
		return
	}
	b, rec, err := d.Disclose(r.Context(), a, *in.Index, in.Field)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	case rec.Outcome == entry.Reject:
		writeJSON(w, http.StatusForbidden, rec)
	default:
		h.writeError(w, r, h.entryError(*in.Index, err, h.writeFailed("disclosure failed", err)))
	}
}

// postAmendment records the next version of an order record: 422 with
// the receipt when the node finds the amendment malformed, and the
// statuses of entryError.
func (h *handler) postAmendment(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	rk, ok := h.sub.(RecordKeeper)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "records not available"})
		return
	}
	record, e := recordIndex(r)
	var in amendmentIn
	if e == nil {
		e = h.readOne(w, r, &in)
	}
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	o, err := in.Order.order(a)
	if err != nil {
		h.writeError(w, r, badRequest("amended order: "+err.Error()))
		return
	}
	rec, err := rk.AmendOrder(r.Context(), a, record, o, in.Reason)
	switch {
	case err != nil && rec.Error != "":
		writeJSON(w, http.StatusUnprocessableEntity, rec)
		return
	case err != nil:
		h.writeError(w, r, h.entryError(record, err, h.writeFailed("amendment failed", err)))
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// getVersions lists every version of a record.
func (h *handler) getVersions(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	rk, ok := h.sub.(RecordKeeper)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "records not available"})
		return
	}
	record, e := recordIndex(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	vs, err := rk.RecordHistory(r.Context(), a, record)
	if err != nil {
		h.writeError(w, r, h.entryError(record, err,
			&apiError{status: http.StatusServiceUnavailable, public: "history unavailable", cause: err}))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"record": record, "versions": vs})
}

// postDisposal runs the disposal job once.
func (h *handler) postDisposal(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	dr, ok := h.sub.(DisposalRunner)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "disposal not available"})
		return
	}
	plan, recs, err := dr.RunDisposal(r.Context(), a)
	if err != nil {
		h.writeError(w, r, recordsError(err, h.writeFailed("disposal failed", err)))
		return
	}
	writeJSON(w, http.StatusOK, DisposalResponse{Disposals: plan.Disposals, Held: plan.Held, Receipts: recs})
}

// readOne reads a single JSON object strictly into v.
func (h *handler) readOne(w http.ResponseWriter, r *http.Request, v any) *apiError {
	raws, single, e := readItems(w, r, h.cfg.maxBody, 1)
	switch {
	case e != nil:
		return e
	case !single:
		return badRequest("want one JSON object")
	}
	if err := strictDecode(raws[0], v); err != nil {
		return badRequest(err.Error())
	}
	return nil
}

// recordIndex parses the {index} path segment.
func recordIndex(r *http.Request) (uint64, *apiError) {
	i, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		return 0, badRequest("malformed record index")
	}
	return i, nil
}

// entryError maps the failure of a request for the entry at index: 404
// when the index lies beyond the ledger, else as recordsError. With a
// LedgerHolder the 404 names the ledger's size, and a beyond-size error
// while index lies within the ledger (a proof's tree size, or an entry
// appended since) is not the client's: it maps to otherwise.
func (h *handler) entryError(index uint64, err error, otherwise *apiError) *apiError {
	if !errors.Is(err, ledger.ErrBeyondSize) {
		return recordsError(err, otherwise)
	}
	msg := fmt.Sprintf("index %d is beyond the ledger", index)
	if l, ok := h.sub.(LedgerHolder); ok {
		size, serr := l.Ledger().Size()
		switch {
		case serr == nil && size > index:
			return otherwise
		case serr == nil:
			msg = fmt.Sprintf("index %d is beyond the ledger size %d", index, size)
		}
	}
	return &apiError{status: http.StatusNotFound, public: msg, cause: err}
}

// recordsError maps a records failure to a status: 410, 404 and 409 for
// the records package's errors, 403 for a clearance denial, else
// otherwise. The cause is logged, never sent.
func recordsError(err error, otherwise *apiError) *apiError {
	var denial *clearance.Denial
	switch {
	case errors.Is(err, records.ErrShredded):
		return &apiError{status: http.StatusGone, public: "the value was destroyed by disposal", cause: err}
	case errors.Is(err, records.ErrNoField):
		return &apiError{status: http.StatusNotFound, public: "the entry has no such committed field", cause: err}
	case errors.Is(err, records.ErrBrokenChain):
		return &apiError{status: http.StatusConflict, public: "the record's version chain is broken", cause: err}
	case errors.As(err, &denial):
		msg := fmt.Sprintf("actor %s is not cleared for the %q action on this entry", denial.Subject, denial.Action)
		return &apiError{status: http.StatusForbidden, public: msg, cause: err}
	}
	return otherwise
}
