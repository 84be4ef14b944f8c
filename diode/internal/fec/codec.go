package fec

import (
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/reedsolomon"
)

// Codec encodes and rebuilds groups. It keeps one code per (k, m) pair it
// has seen; at most 256*256 pairs exist and a session uses at most one per
// group size. A Codec is safe for concurrent use.
type Codec struct {
	mu    sync.Mutex
	codes map[[2]int]*code
	low   reedsolomon.LowLevel
	bufs  sync.Pool // *[]byte scratch for syndromes
}

// code is one (k, m) Reed-Solomon code: the encoder and its parity matrix.
type code struct {
	enc reedsolomon.Encoder
	// parity[r][j] is the coefficient of data shard j in parity shard r:
	// parity shard r is the sum over j of parity[r][j] times data shard j.
	parity [][]byte
}

// ErrTooFewShards is wrapped by Rebuild's error when a group holds fewer
// than k shards.
var ErrTooFewShards = errors.New("too few shards to rebuild group")

// NewCodec returns an empty Codec.
func NewCodec() *Codec { return &Codec{codes: make(map[[2]int]*code)} }

func (c *Codec) code(k, m int) (*code, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if x, ok := c.codes[[2]int{k, m}]; ok {
		return x, nil
	}
	x, err := newCode(k, m)
	if err != nil {
		return nil, fmt.Errorf("failed to build Reed-Solomon code (%d,%d): %w", k, m, err)
	}
	c.codes[[2]int{k, m}] = x
	return x, nil
}

// newCode builds the encoder and reads its parity matrix back by encoding
// the k unit vectors at once: data shard j holds a 1 at byte j, so byte j
// of parity shard r is the coefficient of data shard j in it.
func newCode(k, m int) (*code, error) {
	enc, err := reedsolomon.New(k, max(m, 1))
	if err != nil {
		return nil, err
	}
	x := &code{enc: enc}
	if m == 0 {
		return x, nil
	}
	shards := make([][]byte, k+m)
	for i := range shards {
		shards[i] = make([]byte, k)
		if i < k {
			shards[i][i] = 1
		}
	}
	if err := enc.Encode(shards); err != nil {
		return nil, err
	}
	x.parity = shards[k:]
	return x, nil
}

// Encode fills the parity shards of a group: shards holds k data shards
// followed by m parity shards, all of the same length.
func (c *Codec) Encode(shards [][]byte, k, m int) error {
	if m == 0 {
		return nil
	}
	x, err := c.code(k, m)
	if err != nil {
		return err
	}
	return x.enc.Encode(shards)
}
