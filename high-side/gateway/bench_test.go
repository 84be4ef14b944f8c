package gateway

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkBulkOrders measures one POST of MaxBatch orders against an
// in-memory fake: decode, validate, submit, encode the results.
func BenchmarkBulkOrders(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range MaxBatch {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":"b-%d","order_id":"b-%d","event":"new","symbol":"AAPL","side":"buy","qty":100,"price":"585.33","account":"A"}`, i, i)
	}
	sb.WriteString("]")
	body := sb.String()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		h := NewHandler(newFake())
		req := httptest.NewRequest("POST", "/v1/orders", strings.NewReader(body))
		req.Header.Set(ActorHeader, "T1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("got %d", rec.Code)
		}
	}
}
