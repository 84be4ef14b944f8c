// Package bundle writes and checks signed report bundles: one folder per
// regulatory report and date holding the report's files, a manifest that
// lists them, and a hybrid signature over the manifest.
//
// Layout of a bundle folder, named <kind>-<YYYY-MM-DD>:
//
//	manifest.json   Manifest, indented JSON
//	manifest.sig    one line: "bastion-bundle-sig-v1", the key name, the
//	                hex key id, the hex SHA-256 of manifest.json and the
//	                base64 composite signature, separated by spaces
//	<files>         the report's files, each listed in the manifest with
//	                its size, SHA-256 and record count
//
// The signature is a composite ML-DSA-65 + ECDSA P-256 signature
// (package hybrid, draft-ietf-lamps-pq-composite-sigs) over the bytes of
// manifest.json with the application context "bastion-report-bundle-v1".
// The manifest cites the ledger range, the signed checkpoint and the
// archive chain hash the report covers, and links to the previous bundle
// of the same kind by the SHA-256 of its manifest, its date, its last
// ledger index and its chain hash: a verifier given both bundles sees a
// day that is missing between them as ledger indexes that no bundle covers.
//
// Signing is not deterministic: the ML-DSA half is hedged (FIPS 204 §3.4)
// and Go's ECDSA draws a fresh nonce, and Go offers no RFC 6979 signing
// for P-256. Everything else in a bundle is: the same export directory,
// date, key and previous bundle give byte-identical files and manifest.
package bundle
