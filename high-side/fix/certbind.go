package fix

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
)

// Binding a session to its client certificate. Over TLS the certificate,
// checked against the cluster CA during the handshake, is what proves who
// the counterparty is; the SenderCompID (49) of its Logon is only a claim.
// The acceptor therefore lets a certificate log on only as the CompIDs it
// was onboarded for, the way a venue's membership records tie each
// certificate to the firm's CompIDs:
//
//   - a session whose SessionConfig.Certificates is not empty accepts a
//     Logon only over a connection whose verified client certificate has
//     one of those subject CommonNames (one certificate may serve several
//     CompIDs, and one CompID several certificates, for key rollover);
//   - a session that lists none accepts only a certificate whose
//     CommonName equals the SenderCompID exactly;
//   - a connection without a verified client certificate (plain TCP) is
//     refused when AcceptorConfig.RequireCertificate is set; otherwise, as
//     in tests and the replay harness over loopback, there is nothing to
//     bind and the Logon is checked as before.
//
// A refused Logon is answered with a Logout (5) whose Text (58) names the
// reason, logged at Warn with the certificate's CommonName, and nothing
// sent after it on the connection is read.

// peerCommonName returns the subject CommonName of the verified client
// certificate of conn, and false when conn is not TLS or carries no
// verified certificate. Call it after the first read: the handshake is
// complete by then.
func peerCommonName(conn net.Conn) (string, bool) {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return "", false
	}
	st := tc.ConnectionState()
	if !st.HandshakeComplete || len(st.VerifiedChains) == 0 || len(st.VerifiedChains[0]) == 0 {
		return "", false
	}
	return st.VerifiedChains[0][0].Subject.CommonName, true
}

// checkBinding returns why a Logon as sender over a connection whose
// certificate CommonName is cn (hasCert false: none) must be refused, or
// "" when it may proceed.
func (a *Acceptor) checkBinding(cfg SessionConfig, sender, cn string, hasCert bool) string {
	switch {
	case !hasCert && a.cfg.RequireCertificate:
		return fmt.Sprintf("SenderCompID %q needs a verified client certificate", clip([]byte(sender)))
	case !hasCert:
		return ""
	case len(cfg.Certificates) > 0 && !slices.Contains(cfg.Certificates, cn):
		return fmt.Sprintf("SenderCompID %q is not bound to client certificate %q", clip([]byte(sender)), clip([]byte(cn)))
	case len(cfg.Certificates) == 0 && cn != sender:
		return fmt.Sprintf("SenderCompID %q does not match client certificate %q", clip([]byte(sender)), clip([]byte(cn)))
	}
	return ""
}
