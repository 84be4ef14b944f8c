package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"

	"bastion/high-side/intake"
)

// maxRulePack bounds the body of POST /v1/rulepack, in bytes: a signed
// rule pack of at most 1 MiB.
const maxRulePack = 1 << 20

// RulePackPusher is implemented by a Submitter that takes signed rule
// packs (a node). POST /v1/rulepack hands it the body, a signed rule pack
// in its file form, and the actor, who needs the clearance action
// "configure"; without it the route answers 501.
type RulePackPusher interface {
	PushRulePack(ctx context.Context, actor string, signed []byte) (intake.Receipt, error)
	// RulePackRefused reports whether err refuses the pack itself (bad
	// signature, untrusted key, invalid pack, version not newer): the
	// gateway answers 422 with the error's text. Other errors answer 503.
	RulePackRefused(err error) bool
}

// postRulePack pushes a signed rule pack and answers with its receipt:
// 200 when recorded (Outcome reject when the actor was refused), 422 when
// the pack is refused, naming why.
func (h *handler) postRulePack(w http.ResponseWriter, r *http.Request) {
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	p, ok := h.sub.(RulePackPusher)
	if !ok {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "rule packs not available"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRulePack))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.writeError(w, r, &apiError{status: http.StatusRequestEntityTooLarge, public: "rule pack over 1 MiB"})
		return
	case err != nil:
		h.writeError(w, r, badRequest("failed to read the rule pack"))
		return
	}
	rec, err := p.PushRulePack(r.Context(), a, body)
	switch {
	case err != nil && p.RulePackRefused(err):
		h.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, public: clipText(err.Error()), cause: err})
	case err != nil:
		h.writeError(w, r, h.writeFailed("rule pack not recorded; push it again", err))
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}

// clipText keeps a public message within 512 bytes.
func clipText(s string) string {
	if len(s) > 512 {
		return s[:512]
	}
	return s
}
