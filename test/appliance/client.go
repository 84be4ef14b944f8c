package appliance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/node/peertls"
)

// Client talks to the nodes' HTTPS gateways as a floor system would: TLS
// 1.3 with the hybrid key exchange, trusting only the cluster CA.
type Client struct {
	http  *http.Client
	actor string
}

// NewClient returns a client of the high side's gateways for the subject
// actor: it trusts only the cluster CA in pkiDir and presents the client
// certificate issued there for actor (peertls.IssueClientCert), which is
// what the gateways record as the actor.
func NewClient(pkiDir, actor string) (*Client, error) {
	tc, err := peertls.GatewayClientConfig(pkiDir, actor)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 16}
	return &Client{http: &http.Client{Transport: tr, Timeout: 120 * time.Second}, actor: actor}, nil
}

// HTTP returns the underlying HTTP client, for requests the harness does
// not wrap.
func (c *Client) HTTP() *http.Client { return c.http }

// Status is the part of a node's /v1/status the harness reads.
type Status struct {
	NodeID     string `json:"node_id"`
	State      string `json:"state"`
	Ready      bool   `json:"ready"`
	LeaderID   string `json:"leader_id"`
	LedgerSize uint64 `json:"ledger_size"`
	Root       string `json:"root"`
	Export     struct {
		Seq  uint64 `json:"seq"`
		Size uint64 `json:"size"`
	} `json:"export"`
}

// Status returns the status of the node whose gateway is base.
func (c *Client) Status(ctx context.Context, base string) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodGet, base+"/v1/status", nil, &s)
	return s, err
}

// batchResult mirrors the gateway's reply to an array submission.
type batchResult struct {
	Results []struct {
		Index   int             `json:"index"`
		Receipt *intake.Receipt `json:"receipt"`
		Error   string          `json:"error"`
	} `json:"results"`
}

// Submit posts items to base's /v1/orders or /v1/payments and returns one
// receipt per item.
func (c *Client) Submit(ctx context.Context, base, kind string, items any) ([]intake.Receipt, error) {
	body, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	var res batchResult
	if err := c.do(ctx, http.MethodPost, base+"/v1/"+kind, body, &res); err != nil {
		return nil, err
	}
	out := make([]intake.Receipt, 0, len(res.Results))
	for _, r := range res.Results {
		switch {
		case r.Receipt != nil:
			out = append(out, *r.Receipt)
		default:
			out = append(out, intake.Receipt{Error: r.Error})
		}
	}
	return out, nil
}

func (c *Client) do(ctx context.Context, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Bastion-Actor", c.actor)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, truncate(b, 300))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: malformed reply: %v", method, url, err)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
