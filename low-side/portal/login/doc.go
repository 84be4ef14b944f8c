// Package login authenticates the people who use the low-side portal:
// WebAuthn with user verification required (W3C Web Authentication
// Level 3) and, as a fallback, a TOTP one-time code (RFC 6238). Users,
// their roles, TOTP secrets and registered security keys live in one
// TOML users file, mode 0600, which this package reads strictly and
// rewrites atomically.
//
// A Gate is the portal's login middleware. It serves
//
//	GET  /login                   the login page (security key or code)
//	POST /login/totp              form: name, code, next
//	POST /login/webauthn/begin    JSON {"name"}: assertion options
//	POST /login/webauthn/finish   the assertion; starts a session
//	GET  /enrol                   one-time security key registration page
//	POST /enrol/begin             JSON {"name","token"}: creation options
//	POST /enrol/finish            the attestation; stores the key
//	POST /logout                  ends the session
//	GET  /login/login.js          the page script (no inline script)
//
// and lets every other request through only with a live session, which
// it records in the request context (see ViewerFrom). Sessions are kept
// server-side; the cookie holds a random token only, HttpOnly,
// SameSite=Strict and Secure when the request came over TLS. Failed
// attempts are rate-limited per client address and per user name; every
// success and failure is written to the access log. No secret, code or
// token is ever logged.
package login
