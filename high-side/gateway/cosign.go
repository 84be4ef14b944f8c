package gateway

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"

	"bastion/shared/checkpoint"
)

// Cosigner cosigns checkpoints that this node has recomputed from its own
// ledger; *cosign.Local satisfies it.
type Cosigner interface {
	Cosign(ctx context.Context, note []byte) ([]byte, error)
}

// cosignWait bounds how long a cosign request waits for the local ledger
// to reach the checkpoint's size.
const cosignWait = 2 * time.Second

// WithCosigner serves POST /v1/cosign with c to the cluster's own nodes:
// the caller's certificate must name one of nodes and be a node
// certificate (server and client authentication), not a client one.
// Without this option the route answers 501.
func WithCosigner(c Cosigner, nodes []string) Option {
	return func(cfg *config) { cfg.cosigner, cfg.cosignNodes = c, slices.Clone(nodes) }
}

// postCosign reads a signed checkpoint note (text/plain) and answers with
// the note carrying this node's cosignature, 409 when the node refuses it
// (fork alarm or an older checkpoint) and 400 when it is malformed.
func (h *handler) postCosign(w http.ResponseWriter, r *http.Request) {
	if h.cfg.cosigner == nil {
		h.writeError(w, r, &apiError{status: http.StatusNotImplemented, public: "cosigning not available"})
		return
	}
	a, e := actor(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	if !slices.Contains(h.cfg.cosignNodes, a) || !nodeCertificate(r) {
		h.writeError(w, r, &apiError{status: http.StatusForbidden, public: "only cluster nodes may ask for cosignatures"})
		return
	}
	note, err := io.ReadAll(http.MaxBytesReader(w, r.Body, checkpoint.MaxNoteSize))
	if err != nil {
		h.writeError(w, r, &apiError{status: http.StatusRequestEntityTooLarge, public: "checkpoint note too large"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), cosignWait)
	defer cancel()
	out, err := h.cfg.cosigner.Cosign(ctx, note)
	switch {
	case errors.Is(err, checkpoint.ErrMalformedNote), errors.Is(err, checkpoint.ErrMalformedCheckpoint):
		h.writeError(w, r, badRequest(err.Error()))
		return
	case err != nil && ctx.Err() != nil:
		h.writeError(w, r, &apiError{status: http.StatusServiceUnavailable, public: err.Error()})
		return
	case err != nil:
		h.writeError(w, r, &apiError{status: http.StatusConflict, public: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(out)
}

// nodeCertificate reports whether the request came over TLS with a
// certificate that may authenticate a server as well as a client: the
// cluster CA issues those to nodes only. Without TLS (tests through
// httptest without it) there is nothing to check and it returns true.
func nodeCertificate(r *http.Request) bool {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return r.TLS == nil
	}
	eku := r.TLS.PeerCertificates[0].ExtKeyUsage
	return slices.Contains(eku, x509.ExtKeyUsageServerAuth) && slices.Contains(eku, x509.ExtKeyUsageClientAuth)
}
