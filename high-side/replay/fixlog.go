package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"bastion/high-side/fix"
)

// FIXOrder is one NewOrderSingle found in a FIX log.
type FIXOrder struct {
	File    string       // log file name
	Line    int          // line where the message starts
	Message *fix.Message // the message, ready for fix.Initiator.Send
}

// FIXReport counts what the logs held besides orders.
type FIXReport struct {
	Files    int           // logs read
	Messages int           // messages parsed, of any type
	Skipped  []fix.LogSkip // spans that did not parse, with reasons
}

// FIXOrders reads every *.log in dir, in name order, and returns the
// NewOrderSingle (D) messages. An order without TransactTime (60), which
// FIX 4.2 requires but the sample logs omit, gets its SendingTime (52).
// The session header is replaced when the order is sent.
func FIXOrders(dir string) ([]FIXOrder, FIXReport, error) {
	var rep FIXReport
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, rep, fmt.Errorf("failed to list FIX logs: %w", err)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, rep, fmt.Errorf("failed to list FIX logs: %w", err)
		}
	}
	sort.Strings(files)
	var out []FIXOrder
	for _, path := range files {
		res, err := fix.ReadLogFile(path)
		if err != nil {
			return nil, rep, err
		}
		rep.Files++
		rep.Messages += len(res.Messages)
		for _, s := range res.Skipped {
			s.Reason = filepath.Base(path) + ": " + s.Reason
			rep.Skipped = append(rep.Skipped, s)
		}
		for _, m := range res.Messages {
			if m.Message.MsgType != fix.MsgNewOrderSingle {
				continue
			}
			msg := m.Message.Clone()
			if !msg.Has(fix.TagTransactTime) {
				if st, ok := msg.Get(fix.TagSendingTime); ok {
					msg.Add(fix.TagTransactTime, st)
				}
			}
			out = append(out, FIXOrder{File: filepath.Base(path), Line: m.Line, Message: msg})
		}
	}
	return out, rep, nil
}
