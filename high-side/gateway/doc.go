// Package gateway is the HTTPS JSON API the trading floor uses to submit
// orders and payments and to read back their receipts.
//
// Routes:
//
//	POST /v1/orders        one order object, or an array of up to MaxBatch
//	POST /v1/payments      one payment object, or an array of up to MaxBatch
//	GET  /v1/receipts/{id} the stored receipt for an idempotency key
//	GET  /v1/receipts?id=  the same, with the key as a query parameter
//	GET  /v1/status        what the Submitter reports, when it can
//	POST /v1/ceremony      a key-ceremony transcript, an array of steps,
//	                       when the Submitter is a CeremonyRecorder
//	GET  /healthz          liveness
//
// Every request names its actor in the X-Bastion-Actor header. Bodies are
// size-limited and decoded strictly: unknown fields are refused, and money
// is read from a JSON number or a JSON string into a decimal, never a
// float. In an array, a malformed item gets an error with its index and
// the other items are still submitted. A resubmitted id returns the
// stored decision.
//
// A single object is answered with its receipt: 200, or 422 when the
// Submitter found it malformed (the receipt's error says why). An array
// is answered 200 with one result per item, by index. A request refused
// whole gets 400 (malformed, missing values or header), 413 (body over
// the byte limit or array over MaxBatch), or 503 when the Submitter
// fails, in which case resending with the same ids is safe. On a node
// that does not lead (see LeaderLocator) the 503 of a write names the
// leader: "not the leader: the leader is ID at URL". A request naming a
// ledger index beyond the ledger gets 404 saying so (with its size, see
// LedgerHolder). Errors are {"error": "..."} with a message safe to show;
// the cause is logged, never sent.
//
// The handler does not terminate TLS: the caller serves it with its own
// tls.Config (the node prefers the X25519MLKEM768 key exchange).
package gateway
