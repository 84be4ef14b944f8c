package cosign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"bastion/shared/checkpoint"
)

// Peer is another node that cosigns: its cosigner key and the base URL of
// its gateway (https://host:port).
type Peer struct {
	Key checkpoint.CosignerKey
	URL string
}

// Collector gathers cosignatures for the leader's checkpoints: its own
// (from Local) and its peers' (POST /v1/cosign on their gateways), until a
// quorum of distinct trusted nodes has cosigned.
type Collector struct {
	local   *Local
	peers   []Peer
	client  *http.Client
	quorum  checkpoint.Quorum
	timeout time.Duration
	log     *slog.Logger
}

// NewCollector returns a collector requiring required cosignatures among
// local and peers; client carries the node's TLS client certificate, and
// timeout bounds one collection.
func NewCollector(local *Local, peers []Peer, required int, client *http.Client,
	timeout time.Duration, log *slog.Logger) (*Collector, error) {
	keys := []checkpoint.CosignerKey{local.Key()}
	for _, p := range peers {
		if !strings.HasPrefix(p.URL, "https://") {
			return nil, fmt.Errorf("cosigner %s: gateway URL %q is not https", p.Key.Name, p.URL)
		}
		keys = append(keys, p.Key)
	}
	if required < 1 || required > len(keys) {
		return nil, fmt.Errorf("cosigning quorum %d out of %d nodes", required, len(keys))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{local: local, peers: peers, client: client,
		quorum: checkpoint.Quorum{Keys: keys, Required: required}, timeout: timeout, log: log}, nil
}

// Quorum returns what the collector requires, for readers to require too.
func (c *Collector) Quorum() checkpoint.Quorum { return c.quorum }

type cosigned struct {
	name string
	note []byte
	err  error
}

// Collect returns note with at least the quorum of cosignatures added, the
// local one first. A fork alarm from any node, including this one, stops
// the collection with ErrFork; too few answers in time is ErrNoQuorum.
func (c *Collector) Collect(ctx context.Context, note []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	answers := make(chan cosigned, 1+len(c.peers))
	go func() {
		n, err := c.local.Cosign(ctx, note)
		answers <- cosigned{c.local.name, n, err}
	}()
	for _, p := range c.peers {
		go func() {
			n, err := c.ask(ctx, p, note)
			answers <- cosigned{p.Key.Name, n, err}
		}()
	}
	out := note
	var problems []string
	for range 1 + len(c.peers) {
		a := <-answers
		if a.err == nil {
			merged, err := c.mergeOwn(out, a.note, a.name)
			if err == nil {
				if _, qerr := c.quorum.Check(merged); qerr == nil || errors.Is(qerr, checkpoint.ErrNoQuorum) {
					out = merged
					if qerr == nil {
						return out, nil
					}
					continue
				} else {
					err = qerr
				}
			}
			a.err = err
		}
		if errors.Is(a.err, ErrFork) {
			return nil, fmt.Errorf("%s: %w", a.name, a.err)
		}
		problems = append(problems, a.name+": "+a.err.Error())
		c.log.Warn("no cosignature", slog.String("node", a.name), slog.Any("error", a.err))
	}
	return nil, fmt.Errorf("%w: %s", checkpoint.ErrNoQuorum, strings.Join(problems, "; "))
}

// ask requests peer p's cosignature.
func (c *Collector) ask(ctx context.Context, p Peer, note []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.URL, "/")+"/v1/cosign", bytes.NewReader(note))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, checkpoint.MaxNoteSize+1))
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusConflict && bytes.Contains(body, []byte(ErrFork.Error())):
		return nil, fmt.Errorf("%w reported by %s: %s", ErrFork, p.Key.Name, bytes.TrimSpace(body))
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return body, nil
}

// mergeOwn adds to note only the cosignature line of node name found in
// answer, so that an answer cannot slip other lines into the checkpoint.
func (c *Collector) mergeOwn(note, answer []byte, name string) ([]byte, error) {
	var key checkpoint.Key
	for _, k := range c.quorum.Keys {
		if k.Name == name {
			key = k.Key()
		}
	}
	an, err := checkpoint.ParseNote(answer)
	if err != nil {
		return nil, err
	}
	for _, s := range an.Signatures {
		if s.Name == key.Name && s.KeyID == key.ID {
			one := &checkpoint.Note{Text: an.Text, Signatures: []checkpoint.Signature{s}}
			return checkpoint.MergeSignatures(note, one.Marshal())
		}
	}
	return nil, fmt.Errorf("the answer of %s carries no cosignature by it", name)
}
