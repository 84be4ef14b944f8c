package gateway

import (
	"context"
	"fmt"
	"net/http"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// CeremonyRecorder is implemented by a Submitter that records key-ceremony
// transcripts (a node). POST /v1/ceremony hands it the steps in order;
// without it the route answers 501.
type CeremonyRecorder interface {
	RecordCeremony(ctx context.Context, actor string, steps []entry.Ceremony) ([]intake.Receipt, error)
}

// ceremonyIn is the wire form of one transcript step.
type ceremonyIn struct {
	Step    string `json:"step"`
	KeyID   string `json:"key_id"`
	Details string `json:"details"`
}

// postCeremony decodes a transcript, a JSON array of steps, and records
// it whole: a malformed step refuses the request with 400 naming its
// index, so that no transcript is recorded with a gap.
func (h *handler) postCeremony(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	cr, ok := h.sub.(CeremonyRecorder)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "ceremony recording not available"})
		return
	}
	raws, single, e := readItems(w, r, h.cfg.maxBody, h.cfg.maxBatch)
	if e == nil && single {
		e = badRequest("a ceremony transcript is a JSON array of steps")
	}
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	steps := make([]entry.Ceremony, len(raws))
	for i, raw := range raws {
		var in ceremonyIn
		err := strictDecode(raw, &in)
		if err == nil && (in.Step == "" || in.KeyID == "") {
			err = fmt.Errorf("missing %s", missingCeremonyField(in))
		}
		if err != nil {
			h.metrics.items.WithLabelValues("ceremony", "malformed").Inc()
			h.writeError(w, r, badRequest(fmt.Sprintf("ceremony step %d: %v", i, err)))
			return
		}
		steps[i] = entry.Ceremony{Step: in.Step, KeyID: in.KeyID, Details: in.Details}
	}
	results := make([]Result, len(steps))
	good, at := make([]any, len(steps)), make([]int, len(steps))
	for i := range steps {
		results[i].Index, good[i], at[i] = i, steps[i], i
	}
	e = h.submitGood("ceremony", good, at, results, func([]any) ([]intake.Receipt, error) {
		return cr.RecordCeremony(r.Context(), a, steps)
	})
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	writeJSON(w, http.StatusOK, BatchResponse{Results: results})
}

func missingCeremonyField(in ceremonyIn) string {
	if in.Step == "" {
		return "step"
	}
	return "key_id"
}
