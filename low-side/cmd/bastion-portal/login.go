package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"bastion/low-side/portal"
	"bastion/low-side/portal/login"
)

// loginOptions are the flags of login and TLS.
type loginOptions struct {
	users, rpID, origin, tlsCert, tlsKey string
	idle                                 time.Duration
}

func (o *loginOptions) flags(f *pflag.FlagSet) {
	f.StringVar(&o.users, "users", "", "users file (TOML, mode 0600); without it: no login, loopback demo mode")
	f.StringVar(&o.rpID, "rp-id", "localhost", "WebAuthn relying party ID: the host name browsers use")
	f.StringVar(&o.origin, "origin", "",
		"origin browsers reach the portal at, https://host[:port] (http only for loopback); "+
			"default scheme://rp-id:port of --listen")
	f.DurationVar(&o.idle, "idle-timeout", login.DefaultIdleTimeout, "end a session unused this long")
	f.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	f.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM, mode 0600)")
}

// gate returns the login middleware, or nil when no users file is set.
func (o loginOptions) gate(log *slog.Logger, access io.Writer, listen string) (func(http.Handler) http.Handler, error) {
	if o.users == "" {
		log.Warn("no login configured: loopback demo mode")
		return nil, nil
	}
	store, err := login.OpenStore(o.users)
	if err != nil {
		return nil, err
	}
	origin, err := o.originFor(listen)
	if err != nil {
		return nil, err
	}
	g, err := login.New(login.Config{
		Users: store, RPID: o.rpID, Origins: []string{origin}, IdleTimeout: o.idle,
		Logger: log.With(slog.String("component", "login")), AccessLog: access,
	})
	if err != nil {
		return nil, err
	}
	log.Info("login required", slog.String("users", o.users), slog.String("origin", origin))
	return g.Middleware, nil
}

// check refuses an --origin that is not an origin (login.ParseOrigin).
func (o loginOptions) check() error {
	if o.origin == "" {
		return nil
	}
	if _, err := login.ParseOrigin(o.origin); err != nil {
		return fmt.Errorf("bad --origin %q: %v", portal.Clip(o.origin), err)
	}
	return nil
}

// originFor returns --origin in canonical form, or the origin built from
// --rp-id and the port of listen, also in canonical form (login.ParseOrigin),
// so that it matches the origin browsers send.
func (o loginOptions) originFor(listen string) (string, error) {
	if o.origin != "" {
		return login.ParseOrigin(o.origin)
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("bad --listen %q: %v", listen, err)
	}
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	if o.rpID == "" {
		return "", errors.New("--rp-id is empty")
	}
	origin, err := login.ParseOrigin(scheme + "://" + net.JoinHostPort(o.rpID, port))
	if err != nil {
		return "", fmt.Errorf("bad --rp-id %q with --listen port %s: %v (or set --origin)", portal.Clip(o.rpID), port, err)
	}
	return origin, nil
}

// lockedWriter serialises writes from the portal's and the login's access
// records to one file, so that lines never interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
