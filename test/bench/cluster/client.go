package cluster

import (
	"bastion/high-side/node/peertls"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"bastion/shared/entry"
)

// Client submits to a gateway over HTTPS as the floor does (TLS 1.3 with
// X25519MLKEM768, trusting only the cluster CA), keeping one idle
// connection per concurrent caller so that no submission pays for a
// handshake once the pool is warm.
type Client struct {
	http  *http.Client
	tr    *http.Transport
	actor string
}

// NewClient returns a client trusting the CA in caFile that keeps up to
// conns idle connections.
func NewClient(pkiDir, actor string, conns int) (*Client, error) {
	tc, err := peertls.GatewayClientConfig(pkiDir, actor)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig: tc,
		MaxIdleConns:    conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 5 * time.Minute,
	}
	return &Client{http: &http.Client{Transport: tr, Timeout: 60 * time.Second}, tr: tr, actor: actor}, nil
}

// Close drops the idle connections.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// Ack is what a submission's receipts say, reduced to what the benchmarks
// count: the highest ledger index recorded and the decisions.
type Ack struct {
	Items    int
	MaxIndex uint64
	Outcomes map[entry.Outcome]int
	Errors   int
}

type receipt struct {
	Index   uint64        `json:"index"`
	Outcome entry.Outcome `json:"outcome"`
	Error   string        `json:"error"`
}

type batchReply struct {
	Results []struct {
		Receipt *receipt `json:"receipt"`
		Error   string   `json:"error"`
	} `json:"results"`
}

// Submit posts body (a JSON array, or one object when single) to
// base/v1/kind and returns the acknowledgement. An HTTP status other than
// 2xx, or 422 for a single item, is an error.
func (c *Client) Submit(ctx context.Context, base, kind string, body []byte, single bool) (Ack, error) {
	raw, err := c.post(ctx, base+"/v1/"+kind, body)
	if err != nil {
		return Ack{}, err
	}
	var rs []receipt
	if single {
		var r receipt
		if err := json.Unmarshal(raw, &r); err != nil {
			return Ack{}, fmt.Errorf("malformed receipt: %v", err)
		}
		rs = []receipt{r}
	} else {
		var br batchReply
		if err := json.Unmarshal(raw, &br); err != nil {
			return Ack{}, fmt.Errorf("malformed reply: %v", err)
		}
		for _, r := range br.Results {
			if r.Receipt == nil {
				rs = append(rs, receipt{Error: r.Error})
				continue
			}
			rs = append(rs, *r.Receipt)
		}
	}
	return tally(rs), nil
}

func tally(rs []receipt) Ack {
	a := Ack{Items: len(rs), Outcomes: map[entry.Outcome]int{}}
	for _, r := range rs {
		if r.Error != "" {
			a.Errors++
			continue
		}
		a.Outcomes[r.Outcome]++
		a.MaxIndex = max(a.MaxIndex, r.Index)
	}
	return a
}

func (c *Client) post(ctx context.Context, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Bastion-Actor", c.actor)
	return c.do(req)
}

func (c *Client) do(req *http.Request) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, &StatusError{Code: resp.StatusCode, Body: string(b[:min(len(b), 300)])}
	}
	return b, nil
}

// StatusError is a reply other than 2xx.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body) }

// ExportSize returns the ledger size the leader's committed export cursor
// covers: the size of the newest signed checkpoint.
func (c *Client) ExportSize(ctx context.Context, base string) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/status", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Bastion-Actor", c.actor)
	b, err := c.do(req)
	if err != nil {
		return 0, err
	}
	var st struct {
		Export *struct {
			Size uint64 `json:"size"`
		} `json:"export"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, fmt.Errorf("malformed status: %v", err)
	}
	if st.Export == nil {
		return 0, errors.New("status has no export cursor")
	}
	return st.Export.Size, nil
}
