// Package hybrid implements the composite ML-DSA signatures that every
// Bastion signature uses: a post-quantum ML-DSA half (FIPS 204) and a
// classical ECDSA half (FIPS 186-5), bound together as specified by
// draft-ietf-lamps-pq-composite-sigs-19. The implementation is pinned to
// revision 19 of that draft; a later revision that changes labels or the
// message representative is a new Suite, never an edit of an existing one.
//
// Two suites are supported:
//
//   - SuiteMLDSA65P256, "MLDSA65-ECDSA-P256-SHA512", the default.
//   - SuiteMLDSA87P384, "MLDSA87-ECDSA-P384-SHA512", the CNSA 2.0 profile.
//
// For a message M and an application context ctx (at most 255 bytes), both
// halves sign the message representative (draft §2.2, §4.2)
//
//	M' = Prefix || Label || len(ctx) || ctx || SHA-512(M)
//
// The ML-DSA half is pure ML-DSA over M' with the suite Label as its FIPS 204
// context string; the ECDSA half is ECDSA over M' with SHA-256 (P-256) or
// SHA-384 (P-384). A composite signature is the ML-DSA signature followed by
// the DER Ecdsa-Sig-Value (RFC 3279 §2.2.3); a composite public key is the
// ML-DSA public key followed by the uncompressed SEC 1 point (draft §5).
//
// A verifier accepts a signature only if both halves verify. The package
// holds no long-lived secrets: SoftwareSigner exists for tests and in-memory
// fakes, and the high side builds signatures from an HSM-made ECDSA half with
// MessageRepresentative, ECDSADigest, ECDSARawToDER and Combine.
package hybrid
