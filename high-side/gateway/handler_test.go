package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
)

const goodOrder = `{"id":"o-1","order_id":"o-1","event":"new","symbol":"AAPL","side":"buy","qty":100,"price":"585.33","account":"ACCT-1"}`

// do sends one request to h and returns the status and decoded body.
func do(t *testing.T, h http.Handler, method, path, actor, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if actor != "" {
		req.Header.Set(ActorHeader, actor)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, rec.Body.String(), err)
	}
	return rec.Code, out
}

func TestSingleOrder(t *testing.T) {
	sub := newFake()
	h := NewHandler(sub)
	code, body := do(t, h, "POST", "/v1/orders", "T1", goodOrder)
	if code != 200 || body["outcome"] != "accept" || body["index"] != 1.0 {
		t.Fatalf("got %d %v, want 200 accept index 1", code, body)
	}
	want := intake.Order{ID: "o-1", OrderID: "o-1", Event: entry.OrderNew, Symbol: "AAPL", Side: entry.Buy,
		Quantity: 100, Price: decimal.RequireFromString("585.33"), Trader: "T1", Account: "ACCT-1", Source: "api"}
	if d := cmp.Diff([]intake.Order{want}, sub.orders); d != "" {
		t.Fatalf("submitted (-want +got):\n%s", d)
	}
}

func TestBulkWithMalformedItems(t *testing.T) {
	sub := newFake()
	h := NewHandler(sub)
	body := `[` + goodOrder + `,
		{"order_id":"o-2","event":"new","symbol":"AAPL","side":"buy","price":"1","account":"A"},
		{"id":"o-3","order_id":"o-3","event":"new","symbol":"RSTR","side":"sell","qty":5,"price":999.5,"account":"A"},
		{"id":"o-4","bogus":1},
		{"id":"o-5","order_id":"o-5","event":"new","symbol":"AAPL","side":"buy","qty":1,"price":"abc","account":"A"},
		"not an object",
		{"id":"o-7","order_id":"o-7","event":"new","symbol":"AAPL","side":"buy","qty":1,"price":"1e30","account":"A"}]`
	code, out := do(t, h, "POST", "/v1/orders", "T1", body)
	if code != 200 {
		t.Fatalf("got %d %v, want 200", code, out)
	}
	results := out["results"].([]any)
	wantErr := map[int]string{1: "missing qty", 3: `unknown field "bogus"`, 4: "not a decimal", 5: "wrong type", 6: "exponent out of range"}
	for i, r := range results {
		res := r.(map[string]any)
		if res["index"] != float64(i) {
			t.Errorf("result %d has index %v", i, res["index"])
		}
		errText, _ := res["error"].(string)
		want, bad := wantErr[i]
		if bad && (!strings.Contains(errText, want) || !strings.HasPrefix(errText, fmt.Sprintf("order %d: ", i))) || !bad && errText != "" {
			t.Errorf("item %d: got error %q, want one containing %q", i, errText, want)
		}
		if _, bad := wantErr[i]; !bad && res["receipt"] == nil {
			t.Errorf("item %d: no receipt", i)
		}
	}
	if len(results) != 7 || len(sub.orders) != 2 {
		t.Fatalf("got %d results and %d submitted, want 7 and 2", len(results), len(sub.orders))
	}
	if got := results[2].(map[string]any)["receipt"].(map[string]any)["reasons"]; !cmp.Equal(got, []any{"RESTRICTED_LIST"}) {
		t.Fatalf("got reasons %v, want RESTRICTED_LIST", got)
	}
}

// TestDecimalsFromNumbersAndStrings is M7: "1000.00" and 999.5 both arrive
// as decimals and compare as money does.
func TestDecimalsFromNumbersAndStrings(t *testing.T) {
	sub := newFake()
	h := NewHandler(sub)
	body := `[{"id":"p1","kind":"transfer","amount":"1000.00","currency":"USD","from":"A","to":"B"},
		{"id":"p2","kind":"transfer","amount":999.5,"currency":"USD","from":"A","to":"B","from_balance":"12345678901234567890.01"}]`
	if code, out := do(t, h, "POST", "/v1/payments", "ops", body); code != 200 {
		t.Fatalf("got %d %v", code, out)
	}
	a, b := sub.payments[0].Amount, sub.payments[1].Amount
	if !a.GreaterThan(b) || a.String() != "1000" || b.String() != "999.5" {
		t.Fatalf("got %s and %s, want 1000 > 999.5", a, b)
	}
	if got := sub.payments[1].FromBalance.String(); got != "12345678901234567890.01" {
		t.Fatalf("got balance %s, want it exact", got)
	}
}

func TestAmountDecoding(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means an error
	}{
		{`"1000.00"`, "1000"}, {`999.5`, "999.5"}, {`-3`, "-3"}, {`1e3`, "1000"}, {`"0.000001"`, "0.000001"},
		{`null`, ""}, {`true`, ""}, {`""`, ""}, {`"abc"`, ""}, {`"1e999999999"`, ""}, {`1e21`, ""}, {`"1e-21"`, ""}, {`{}`, ""},
		{`"` + strings.Repeat("9", 41) + `"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a Amount
			err := a.UnmarshalJSON([]byte(tt.in))
			if tt.want == "" {
				if err == nil {
					t.Fatalf("got %s, want an error", a.Decimal)
				}
				return
			}
			if err != nil || a.String() != tt.want || !a.Set {
				t.Fatalf("got %s, %v; want %s", a.Decimal, err, tt.want)
			}
		})
	}
}

// TestIdempotentResubmission is M9: the second submission returns the
// stored decision, and the receipt can be fetched.
func TestIdempotentResubmission(t *testing.T) {
	h := NewHandler(newFake())
	first := strings.Replace(goodOrder, "AAPL", "RSTR", 1)
	_, a := do(t, h, "POST", "/v1/orders", "T1", first)
	code, b := do(t, h, "POST", "/v1/orders", "T1", first)
	if code != 200 || b["duplicate"] != true || b["index"] != a["index"] || b["outcome"] != "reject" {
		t.Fatalf("got %d %v, want the stored reject with duplicate set (first %v)", code, b, a)
	}
	code, c := do(t, h, "GET", "/v1/receipts/o-1", "T1", "")
	if code != 200 || c["index"] != a["index"] || !cmp.Equal(c["reasons"], []any{"RESTRICTED_LIST"}) {
		t.Fatalf("got %d %v, want the stored receipt", code, c)
	}
}

func TestRequestErrors(t *testing.T) {
	sub := newFake()
	h := NewHandler(sub, WithMaxBatch(3), WithMaxBodyBytes(1024))
	tests := []struct {
		name, method, path, actor, body string
		code                            int
		err                             string
	}{
		{"no actor", "POST", "/v1/orders", "", goodOrder, 400, "missing X-Bastion-Actor header"},
		{"bad actor", "POST", "/v1/orders", "a b", goodOrder, 400, "malformed X-Bastion-Actor header"},
		{"empty body", "POST", "/v1/orders", "T1", "", 400, "empty body"},
		{"missing values", "POST", "/v1/orders", "T1", `{"id":"x"}`, 400, "missing order_id, event, symbol, side, qty, price, account"},
		{"missing payment values", "POST", "/v1/payments", "T1", `{"id":"x","amount":"1"}`, 400, "missing kind, currency, from, to"},
		{"unknown field", "POST", "/v1/payments", "T1", `{"id":"x","amonut":"1"}`, 400, `unknown field "amonut"`},
		{"trailing data", "POST", "/v1/orders", "T1", goodOrder + `{}`, 400, "trailing data"},
		{"qty as string", "POST", "/v1/orders", "T1", strings.Replace(goodOrder, `100`, `"100"`, 1), 400, `field "qty" has the wrong type`},
		{"bad source", "POST", "/v1/orders", "T1", strings.Replace(goodOrder, `"id"`, `"source":"fix","id"`, 1), 400, `source "fix" not allowed`},
		{"too many items", "POST", "/v1/orders", "T1", `[{},{},{},{}]`, 413, "4 items, at most 3 per request"},
		{"empty array", "POST", "/v1/orders", "T1", `[]`, 400, "empty array"},
		{"body too large", "POST", "/v1/orders", "T1", `[` + strings.Repeat(" ", 1100) + `]`, 413, "body larger than 1024 bytes"},
		{"bad array", "POST", "/v1/orders", "T1", `[{},`, 400, "malformed JSON array"},
		{"no such route", "GET", "/v1/nothing", "T1", "", 404, "no such route"},
		{"receipt missing", "GET", "/v1/receipts/zzz", "T1", "", 404, "no receipt for this id"},
		{"receipt no actor", "GET", "/v1/receipts/zzz", "", "", 400, "missing X-Bastion-Actor header"},
		{"status unsupported", "GET", "/v1/status", "T1", "", 501, "status not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := do(t, h, tt.method, tt.path, tt.actor, tt.body)
			if code != tt.code || !strings.Contains(fmt.Sprint(out["error"]), tt.err) {
				t.Fatalf("got %d %v, want %d with error containing %q", code, out, tt.code, tt.err)
			}
		})
	}
	if len(sub.orders)+len(sub.payments) != 0 {
		t.Fatalf("bad requests submitted %d items, want 0", len(sub.orders)+len(sub.payments))
	}
}

func TestSingleRefusedBySubmitter(t *testing.T) {
	code, out := do(t, NewHandler(newFake()), "POST", "/v1/orders", "T1", strings.Replace(goodOrder, `"id":"o-1",`, "", 1))
	if code != 422 || out["error"] != "missing id" || out["outcome"] != "reject" {
		t.Fatalf("got %d %v, want 422 with the receipt's error", code, out)
	}
}

func TestSubmitterFailureIsSafe(t *testing.T) {
	sub := newFake()
	sub.fail = true
	code, out := do(t, NewHandler(sub), "POST", "/v1/orders", "T1", goodOrder)
	if code != 503 || out["error"] != "submission failed; resend with the same ids" {
		t.Fatalf("got %d %v, want 503 with the public message only", code, out)
	}
}

// TestFilterIsLiteral is M12: a receipt id that reads like SQL is looked
// up as the literal string and matches nothing.
func TestFilterIsLiteral(t *testing.T) {
	sub := newFake()
	h := NewHandler(sub)
	do(t, h, "POST", "/v1/orders", "T1", goodOrder)
	inj := "' OR 1=1 --"
	for _, path := range []string{"/v1/receipts?id=" + url.QueryEscape(inj), "/v1/receipts/" + url.PathEscape(inj)} {
		code, out := do(t, h, "GET", path, "T1", "")
		if code != 404 {
			t.Fatalf("GET %s: got %d %v, want 404", path, code, out)
		}
	}
	if d := cmp.Diff([]string{inj, inj}, sub.lookups); d != "" {
		t.Fatalf("lookups (-want +got):\n%s", d)
	}
}

func TestStatusAndHealth(t *testing.T) {
	h := NewHandler(statusFake{newFake()})
	if code, out := do(t, h, "GET", "/v1/status", "T1", ""); code != 200 || out["role"] != "leader" {
		t.Fatalf("got %d %v, want 200 leader", code, out)
	}
	if code, out := do(t, h, "GET", "/healthz", "", ""); code != 200 || out["status"] != "ok" {
		t.Fatalf("got %d %v, want 200 ok", code, out)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := NewHandler(newFake(), WithRegisterer(reg))
	do(t, h, "POST", "/v1/orders", "T1", goodOrder)
	do(t, h, "POST", "/v1/orders", "", goodOrder)
	do(t, h, "POST", "/v1/orders", "T1", `[`+goodOrder+`,{}]`)
	want := map[string]float64{
		`bastion_gateway_requests_total{code="200",route="orders"}`:      2,
		`bastion_gateway_requests_total{code="400",route="orders"}`:      1,
		`bastion_gateway_items_total{kind="order",result="accept"}`:      2,
		`bastion_gateway_items_total{kind="order",result="malformed"}`:   1,
		`bastion_gateway_request_duration_seconds_count{route="orders"}`: 3,
	}
	if d := cmp.Diff(want, gather(t, reg)); d != "" {
		t.Fatalf("metrics (-want +got):\n%s", d)
	}
}

// gather flattens counters and histogram counts to name{labels} -> value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			key := "{" + strings.Join(labels, ",") + "}"
			if m.GetHistogram() != nil {
				out[f.GetName()+"_count"+key] = float64(m.GetHistogram().GetSampleCount())
			} else {
				out[f.GetName()+key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func TestOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(NewHandler(newFake()))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/v1/orders", strings.NewReader(goodOrder))
	req.Header.Set(ActorHeader, "T1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.TLS == nil || !strings.Contains(string(b), `"outcome":"accept"`) {
		t.Fatalf("got %d %s (TLS %v), want 200 accept over TLS", resp.StatusCode, b, resp.TLS != nil)
	}
}

func FuzzDecodeOrder(f *testing.F) {
	f.Add([]byte(goodOrder))
	f.Add([]byte(`[` + goodOrder + `,{}]`))
	f.Add([]byte(`{"price":"1e99999"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var in orderIn
		if err := strictDecode(b, &in); err != nil {
			return
		}
		if o, err := in.order("T1"); err == nil && o.Trader == "" {
			t.Fatal("accepted order without a trader")
		}
	})
}
