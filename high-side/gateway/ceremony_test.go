package gateway

import (
	"context"
	"errors"
	"testing"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

// ceremonyFake adds the optional CeremonyRecorder: a step's id is its step
// and details, and a resent step returns the stored receipt.
type ceremonyFake struct {
	*fakeSubmitter
	actors []string
	steps  []entry.Ceremony
}

func (f *ceremonyFake) RecordCeremony(ctx context.Context, actor string, steps []entry.Ceremony) ([]intake.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errors.New("raft apply: leadership lost at 10.0.0.7")
	}
	var out []intake.Receipt
	for _, s := range steps {
		f.actors, f.steps = append(f.actors, actor), append(f.steps, s)
		reason := ""
		if actor != "cco" {
			reason = entry.ReasonClearance
		}
		out = append(out, f.decide(s.Step+"-"+s.Details, reason))
	}
	return out, nil
}

const goodTranscript = `[{"step":"init","key_id":"k1","details":"ceremony=00 suite=x"},` +
	`{"step":"kek-import","key_id":"k1","details":"ceremony=00 token=b-1 kcv=abcdef"}]`

func TestCeremonyRoute(t *testing.T) {
	tests := []struct {
		name      string
		recorder  bool
		actor     string
		body      string
		wantCode  int
		wantSteps int
	}{
		{"recorded", true, "cco", goodTranscript, 200, 2},
		{"no recorder", false, "cco", goodTranscript, 501, 0},
		{"no actor", true, "", goodTranscript, 400, 0},
		{"single object", true, "cco", `{"step":"init","key_id":"k1"}`, 400, 0},
		{"missing key id", true, "cco", `[{"step":"init","key_id":"k1"},{"step":"init"}]`, 400, 0},
		{"unknown field", true, "cco", `[{"step":"init","key_id":"k1","pin":"1234"}]`, 400, 0},
		{"not JSON", true, "cco", `[{"step":`, 400, 0},
		{"empty array", true, "cco", `[]`, 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &ceremonyFake{fakeSubmitter: newFake()}
			var sub intake.Submitter = f.fakeSubmitter
			if tt.recorder {
				sub = f
			}
			code, body := do(t, NewHandler(sub), "POST", "/v1/ceremony", tt.actor, tt.body)
			if code != tt.wantCode {
				t.Errorf("status %d %v, want %d", code, body, tt.wantCode)
			}
			if len(f.steps) != tt.wantSteps {
				t.Errorf("recorder got %d steps, want %d", len(f.steps), tt.wantSteps)
			}
		})
	}
}

func TestCeremonyRouteReceipts(t *testing.T) {
	f := &ceremonyFake{fakeSubmitter: newFake()}
	h := NewHandler(f)
	code, body := do(t, h, "POST", "/v1/ceremony", "cco", goodTranscript)
	if code != 200 {
		t.Fatalf("status %d %v, want 200", code, body)
	}
	want := []entry.Ceremony{
		{Step: "init", KeyID: "k1", Details: "ceremony=00 suite=x"},
		{Step: "kek-import", KeyID: "k1", Details: "ceremony=00 token=b-1 kcv=abcdef"},
	}
	if diff := cmp.Diff(want, f.steps); diff != "" {
		t.Errorf("steps handed over (-want +got):\n%s", diff)
	}
	if !cmp.Equal(f.actors, []string{"cco", "cco"}) {
		t.Errorf("actors %v, want cco for both steps", f.actors)
	}
	results := body["results"].([]any)
	for i, r := range results {
		rec := r.(map[string]any)["receipt"].(map[string]any)
		if rec["outcome"] != "accept" || rec["index"] != float64(i+1) || rec["duplicate"] == true {
			t.Errorf("result %d: %v, want a fresh accept at index %d", i, rec, i+1)
		}
	}

	// A resend returns the stored receipts.
	_, body = do(t, h, "POST", "/v1/ceremony", "cco", goodTranscript)
	for i, r := range body["results"].([]any) {
		if rec := r.(map[string]any)["receipt"].(map[string]any); rec["duplicate"] != true {
			t.Errorf("resent result %d: %v, want duplicate", i, rec)
		}
	}

	// A refused actor's steps come back rejected; a failing recorder is a 503.
	_, body = do(t, h, "POST", "/v1/ceremony", "T1", `[{"step":"init","key_id":"k2"}]`)
	if rec := body["results"].([]any)[0].(map[string]any)["receipt"].(map[string]any); rec["outcome"] != "reject" {
		t.Errorf("step by T1: %v, want reject", rec)
	}
	f.fail = true
	if code, body := do(t, h, "POST", "/v1/ceremony", "cco", goodTranscript); code != 503 {
		t.Errorf("failing recorder: %d %v, want 503", code, body)
	}
}

// FuzzCeremonyRoute checks that any body gets a JSON answer, and that the
// recorder is called only with steps that name a step and a key.
func FuzzCeremonyRoute(f *testing.F) {
	f.Add(goodTranscript)
	f.Add(`[{"step":"init"}]`)
	f.Add(`{"step":"init","key_id":"k1"}`)
	f.Add(`[{"step":"init","key_id":"k1","details":"\u0000"}, 7]`)
	f.Fuzz(func(t *testing.T, body string) {
		fk := &ceremonyFake{fakeSubmitter: newFake()}
		code, _ := do(t, NewHandler(fk), "POST", "/v1/ceremony", "cco", body)
		if code != 200 && len(fk.steps) != 0 {
			t.Fatalf("status %d after recording %d steps", code, len(fk.steps))
		}
		for _, s := range fk.steps {
			if s.Step == "" || s.KeyID == "" {
				t.Fatalf("recorder got step %+v without step or key id", s)
			}
		}
	})
}
