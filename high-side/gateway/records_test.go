package gateway

import (
	"context"
	"fmt"
	"testing"

	"bastion/high-side/intake"
	"bastion/high-side/records"
	"bastion/shared/entry"
)

// recordsFake adds the records interfaces to fakeSubmitter: index 9 is
// shredded, actor mallory is refused, record 3 has two versions.
type recordsFake struct {
	*fakeSubmitter
	amended []intake.Order
}

func (f *recordsFake) Disclose(ctx context.Context, actor string, index uint64, field string) ([]byte, intake.Receipt, error) {
	switch {
	case actor == "mallory":
		return nil, intake.Receipt{ID: "disclose-1", Outcome: entry.Reject, Reasons: []string{entry.ReasonClearance}},
			fmt.Errorf("disclosure refused")
	case index == 9:
		return nil, intake.Receipt{Outcome: entry.Accept}, fmt.Errorf("entry 9: %w", records.ErrShredded)
	}
	return []byte(fmt.Sprintf(`{"v":1,"index":%d,"field":%q}`, index, field)), intake.Receipt{Outcome: entry.Accept}, nil
}

func (f *recordsFake) AmendOrder(ctx context.Context, actor string, record uint64, o intake.Order, reason string) (intake.Receipt, error) {
	f.amended = append(f.amended, o)
	return intake.Receipt{ID: fmt.Sprintf("amend-%d-v2", record), Index: 12, Outcome: entry.Accept}, nil
}

func (f *recordsFake) RecordHistory(ctx context.Context, actor string, record uint64) ([]records.Version, error) {
	return []records.Version{{Number: 1, Index: record, Actor: "T1"}, {Number: 2, Index: 12, Actor: actor}}, nil
}

func (f *recordsFake) RunDisposal(ctx context.Context, actor string) (*records.Plan, []intake.Receipt, error) {
	return &records.Plan{Disposals: []entry.Disposal{{Class: "order-ticket", Indexes: []uint64{1}}}},
		[]intake.Receipt{{ID: "disposal-order-ticket-1-1", Index: 13, Outcome: entry.Accept}}, nil
}

func TestRecordsRoutes(t *testing.T) {
	sub := &recordsFake{fakeSubmitter: newFake()}
	h := NewHandler(sub)
	tests := []struct {
		name, method, path, actor, body string
		code                            int
		key                             string
		want                            any
	}{
		{"disclose", "POST", "/v1/disclosures", "cco", `{"index":4,"field":"account"}`, 200, "field", "account"},
		{"disclose refused", "POST", "/v1/disclosures", "mallory", `{"index":4,"field":"account"}`, 403, "outcome", "reject"},
		{"disclose shredded", "POST", "/v1/disclosures", "cco", `{"index":9,"field":"account"}`, 410, "error", "the value was destroyed by disposal"},
		{"disclose without field", "POST", "/v1/disclosures", "cco", `{"index":4}`, 400, "error", "a disclosure request needs index and field"},
		{"disclose unknown member", "POST", "/v1/disclosures", "cco", `{"index":4,"field":"account","x":1}`, 400, "", nil},
		{"disclose no actor", "POST", "/v1/disclosures", "", `{"index":4,"field":"account"}`, 400, "", nil},
		{"amend", "POST", "/v1/records/3/amendments", "ops", `{"order":` + goodOrder + `,"reason":"qty"}`, 200, "id", "amend-3-v2"},
		{"amend bad index", "POST", "/v1/records/x/amendments", "ops", `{"order":` + goodOrder + `,"reason":"qty"}`, 400, "error", "malformed record index"},
		{"amend missing qty", "POST", "/v1/records/3/amendments", "ops", `{"order":{"order_id":"o"},"reason":"qty"}`, 400, "", nil},
		{"versions", "GET", "/v1/records/3/versions", "cco", "", 200, "record", 3.0},
		{"disposal", "POST", "/v1/disposals", "records-officer", "", 200, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, h, tt.method, tt.path, tt.actor, tt.body)
			if code != tt.code || (tt.key != "" && body[tt.key] != tt.want) {
				t.Fatalf("got %d %v, want %d with %s = %v", code, body, tt.code, tt.key, tt.want)
			}
		})
	}
	if len(sub.amended) != 1 || sub.amended[0].Account != "ACCT-1" || sub.amended[0].Trader != "ops" {
		t.Fatalf("amended %+v, want one order for ACCT-1 by trader ops", sub.amended)
	}
}

func TestRecordsRoutesUnavailable(t *testing.T) {
	h := NewHandler(newFake())
	for _, path := range []string{"/v1/disclosures", "/v1/records/1/amendments", "/v1/disposals"} {
		if code, _ := do(t, h, "POST", path, "cco", `{"index":1,"field":"account"}`); code != 501 {
			t.Fatalf("POST %s: got %d, want 501", path, code)
		}
	}
}
