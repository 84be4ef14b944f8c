// Package fix is a small, strict codec and session layer for FIX 4.2 and
// FIX 4.4, the tag=value protocol the trading floor's order flow arrives in.
//
// Parse accepts exactly one well-formed message: BeginString (8) first,
// BodyLength (9) second and equal to the bytes between it and CheckSum,
// MsgType (35) third, CheckSum (10) last and equal to the byte sum modulo
// 256 (FIX 4.4 Vol.2 "Message Format"; Vol.1 "CheckSum Calculation").
// Encode writes the same form back, computing BodyLength and CheckSum, so an
// accepted message re-encodes to the bytes it was parsed from.
//
// ReadLog recovers messages from log files that wrap them in other text,
// use '|' or NUL in place of SOH, or split them over several lines.
//
// Acceptor serves FIX sessions over TCP and hands NewOrderSingle (D) and
// OrderCancelRequest (F) to an intake.Submitter, replying with an
// ExecutionReport (8) or OrderCancelReject (9) carrying the decision.
// Initiator is the matching client.
//
// Over TLS, a Logon's SenderCompID (49) must be bound to the verified
// client certificate: its subject CommonName must be one of the session's
// SessionConfig.Certificates, or equal the SenderCompID when none are
// listed. Any other Logon is answered with a Logout naming the reason and
// logged at Warn with the certificate's name, and nothing after it is read;
// AcceptorConfig.RequireCertificate refuses Logons without a certificate
// (certbind.go).
//
// Known limitations: fields of the FIX "data" type that contain SOH are not
// supported; the acceptor keeps no message store, so it answers a
// ResendRequest (2) with SequenceReset-GapFill (4) and ends a session whose
// incoming MsgSeqNum skips ahead, after which the counterparty logs on again
// with ResetSeqNumFlag (141) set and resends its orders under the same
// ClOrdID (resubmission is idempotent).
package fix
