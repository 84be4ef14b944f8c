package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUserAddCanonicalOrigin checks that the registration link is built
// from the origin in canonical form.
func TestUserAddCanonicalOrigin(t *testing.T) {
	var out bytes.Buffer
	o := userAddOptions{users: filepath.Join(t.TempDir(), "users.toml"), name: "rita", role: "regulator",
		origin: "HTTPS://Portal.Example:8443/", valid: time.Hour}
	if err := addUser(&out, o, time.Now()); err != nil {
		t.Fatal(err)
	}
	const want = "https://portal.example:8443/enrol#name=rita&token="
	_, link, _ := strings.Cut(out.String(), "\nregistration_link: ")
	link, _, _ = strings.Cut(link, "token=") // the token is a secret: not printed
	if link+"token=" != want {
		t.Errorf("registration link starts %q, want %q", link, want)
	}
}
