// Package replay turns the real input data under $BASTION_DATA into
// intake submissions, and generates realistic ones when the data is absent.
//
// Every loader streams: ReadXxx takes an io.Reader and calls fn once per
// row, in file order, stopping at the first malformed row or the first
// error fn returns; LoadXxx opens the file and collects the rows. A
// malformed row is reported as "file:line: what was wrong". Exact decimal
// arithmetic is used throughout; no value passes through float64.
//
// Sources (see SOURCES.md beside the data):
//
//   - LOBSTER message file: NASDAQ AAPL events of 2012-06-21 as orders of
//     four traders.
//   - PaySim sample: mobile-money payments with their fraud label.
//   - AMLSim 20K: bank transfers, with per-account fraud labels.
//   - Log4FIX logs: the NewOrderSingle messages, to send through the FIX
//     acceptor.
//   - Generator: seeded synthetic orders and payments.
package replay
