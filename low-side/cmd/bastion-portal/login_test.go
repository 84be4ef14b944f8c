package main

import (
	"strings"
	"testing"
)

// TestOriginFor: the origin built from --rp-id and the --listen port is
// the one a browser sends, without the scheme's default port, and an
// --rp-id that is no host is refused.
func TestOriginFor(t *testing.T) {
	good := []struct {
		o            loginOptions
		listen, want string
	}{
		{loginOptions{rpID: "portal.example", tlsCert: "c"}, "0.0.0.0:443", "https://portal.example"},
		{loginOptions{rpID: "portal.example", tlsCert: "c"}, "0.0.0.0:8443", "https://portal.example:8443"},
		{loginOptions{rpID: "localhost"}, "127.0.0.1:80", "http://localhost"},
		{loginOptions{rpID: "Localhost"}, "127.0.0.1:8443", "http://localhost:8443"},
		{loginOptions{rpID: "x", origin: "https://portal.example:443/"}, "0.0.0.0:1", "https://portal.example"},
	}
	for _, tc := range good {
		if got, err := tc.o.originFor(tc.listen); err != nil || got != tc.want {
			t.Errorf("originFor(%+v, %q) = %q, %v; want %q, nil", tc.o, tc.listen, got, err, tc.want)
		}
	}
	bad := []struct {
		o            loginOptions
		listen, want string
	}{
		{loginOptions{rpID: "999.1.1.1", tlsCert: "c"}, "0.0.0.0:443", "bad --rp-id \"999.1.1.1\" with --listen port 443: host ends in a number"},
		{loginOptions{rpID: "portal.example"}, "0.0.0.0:8443", "bad --rp-id \"portal.example\" with --listen port 8443: http is allowed"},
	}
	for _, tc := range bad {
		if got, err := tc.o.originFor(tc.listen); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("originFor(%+v, %q) = %q, %v; want an error starting %q", tc.o, tc.listen, got, err, tc.want)
		}
	}
}
