package main

import (
	"encoding/json"
	"net/http"

	"bastion/high-side/gateway"
)

// actorFromCertificate binds every request to the subject of the client
// certificate the TLS handshake verified: that common name is the actor
// the gateway records and the clearance registry checks. A request that
// names another actor in the header is refused, so no client can act for
// another.
func actorFromCertificate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			writeError(w, http.StatusUnauthorized, "a client certificate is required")
			return
		}
		subject := r.TLS.PeerCertificates[0].Subject.CommonName
		if named := r.Header.Get(gateway.ActorHeader); named != "" && named != subject {
			writeError(w, http.StatusForbidden, "the actor header names "+named+
				" but the client certificate is "+subject)
			return
		}
		r.Header.Set(gateway.ActorHeader, subject)
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
