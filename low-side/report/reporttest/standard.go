package reporttest

import (
	"bastion/low-side/report"
	"bastion/shared/entry"
)

// Dates of the standard fixture.
const (
	Day1 = "2012-06-21"
	Day2 = "2012-06-22"
)

// Standard returns the standard fixture: batches 1, 2 and 4 (3 is
// missing, leaving ledger indexes 9 to 11 absent) over two dates.
//
//	batch 1, index 0-4:  withheld, order accept, order reject PRICE_COLLAR,
//	                     withheld, payment reject ACCOUNT_DRAIN+VELOCITY (Day1)
//	batch 2, index 5-8:  login (Day1), payment review NEW_COUNTERPARTY (Day1),
//	                     order reject PRICE_COLLAR (Day2), withheld
//	batch 4, index 12-13: order accept, config (Day2)
//	batch 5, index 14-15: withheld whole by the guard (stage "scan")
//
// Day1: 7 entries (2 withheld), ledger 0-6, batches 1-2, 2 rejections.
// Day2: 6 entries (3 withheld), ledger 7-15, batches 2-5, gap 9-11,
// 1 rejection, 1 refused batch.
func Standard() []*report.Batch {
	return []*report.Batch{
		NewBatch(1, 0,
			nil,
			Order("o-1", At(Day1, 9, 30), Accept()),
			Order("o-2", At(Day1, 9, 31), Reject(entry.ReasonPriceCollar)),
			nil,
			Payment("p-1", At(Day1, 10, 0), Reject(entry.ReasonAccountDrain, entry.ReasonVelocity)),
		),
		NewBatch(2, 5,
			Login("l-1", At(Day1, 11, 0)),
			Payment("p-2", At(Day1, 23, 59), Review(entry.ReasonNewCounterparty)),
			Order("o-3", At(Day2, 9, 30), Reject(entry.ReasonPriceCollar)),
			nil,
		),
		NewBatch(4, 12,
			Order("o-4", At(Day2, 10, 0), Accept()),
			Config("c-1", At(Day2, 10, 5)),
		),
		Refused(NewBatch(5, 14, nil, nil), "scan", "personal data pattern"),
	}
}
