package main

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"testing"

	"bastion/high-side/gateway"
)

func TestActorFromCertificate(t *testing.T) {
	var seen string
	h := actorFromCertificate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get(gateway.ActorHeader)
	}))
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "replay"}}
	tests := []struct {
		name   string
		tls    *tls.ConnectionState
		header string
		code   int
		actor  string
	}{
		{"no tls", nil, "", http.StatusUnauthorized, ""},
		{"no certificate", &tls.ConnectionState{}, "", http.StatusUnauthorized, ""},
		{"certificate only", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}, "", http.StatusOK, "replay"},
		{"same name", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}, "replay", http.StatusOK, "replay"},
		{"another name", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}, "cco", http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = ""
			r := httptest.NewRequest(http.MethodPost, "/v1/orders", nil)
			r.TLS = tt.tls
			if tt.header != "" {
				r.Header.Set(gateway.ActorHeader, tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.code || seen != tt.actor {
				t.Errorf("got %d with actor %q, want %d with %q", w.Code, seen, tt.code, tt.actor)
			}
		})
	}
}
