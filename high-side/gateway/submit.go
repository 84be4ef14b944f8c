package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"

	"bastion/high-side/intake"
)

// postOrders decodes orders and submits the well-formed ones in one call.
func (h *handler) postOrders(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	h.post(w, r, "order", func(raw json.RawMessage) (any, error) {
		var in orderIn
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		return in.order(a)
	}, func(items []any) ([]intake.Receipt, error) {
		orders := make([]intake.Order, len(items))
		for i, it := range items {
			orders[i] = it.(intake.Order)
		}
		return h.sub.SubmitOrders(r.Context(), a, orders)
	})
}

// postPayments decodes payments and submits the well-formed ones.
func (h *handler) postPayments(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	h.post(w, r, "payment", func(raw json.RawMessage) (any, error) {
		var in paymentIn
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		return in.payment()
	}, func(items []any) ([]intake.Receipt, error) {
		payments := make([]intake.Payment, len(items))
		for i, it := range items {
			payments[i] = it.(intake.Payment)
		}
		return h.sub.SubmitPayments(r.Context(), a, payments)
	})
}

// post is the shared body of the POST routes: read, decode each item,
// submit the good ones in order, merge receipts and errors by index.
// A single object that does not decode is a 400; in an array it is a
// per-item error.
func (h *handler) post(w http.ResponseWriter, r *http.Request, kind string,
	decode func(json.RawMessage) (any, error), submit func([]any) ([]intake.Receipt, error)) {
	raws, single, e := readItems(w, r, h.cfg.maxBody, h.cfg.maxBatch)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	results := make([]Result, len(raws))
	var good []any
	var at []int
	for i, raw := range raws {
		results[i].Index = i
		item, err := decode(raw)
		if err != nil {
			results[i].Error = fmt.Sprintf("%s %d: %v", kind, i, err)
			h.metrics.items.WithLabelValues(kind, "malformed").Inc()
			continue
		}
		good, at = append(good, item), append(at, i)
	}
	if single && results[0].Error != "" {
		h.writeError(w, r, badRequest(results[0].Error))
		return
	}
	if len(good) > 0 {
		if e := h.submitGood(kind, good, at, results, submit); e != nil {
			h.writeError(w, r, e)
			return
		}
	}
	if single {
		status := http.StatusOK
		if results[0].Receipt.Error != "" {
			status = http.StatusUnprocessableEntity
		}
		writeJSON(w, status, results[0].Receipt)
		return
	}
	writeJSON(w, http.StatusOK, BatchResponse{Results: results})
}

// submitGood submits the decoded items in one call and files each
// receipt under its item's index.
func (h *handler) submitGood(kind string, good []any, at []int, results []Result,
	submit func([]any) ([]intake.Receipt, error)) *apiError {
	recs, err := submit(good)
	if err == nil && len(recs) != len(good) {
		err = fmt.Errorf("submitter returned %d receipts for %d items", len(recs), len(good))
	}
	if err != nil {
		h.metrics.items.WithLabelValues(kind, "failed").Add(float64(len(good)))
		return h.writeFailed("submission failed; resend with the same ids", err)
	}
	for j, rec := range recs {
		results[at[j]].Receipt = &recs[j]
		h.metrics.items.WithLabelValues(kind, outcomeLabel(rec)).Inc()
	}
	return nil
}

func outcomeLabel(r intake.Receipt) string {
	if r.Error != "" {
		return "malformed"
	}
	return string(r.Outcome)
}
