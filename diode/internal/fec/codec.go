package fec

import (
	"fmt"
	"sync"

	"github.com/klauspost/reedsolomon"
)

// Codec encodes and rebuilds groups. It keeps one Reed-Solomon matrix per
// (k, m) pair it has seen; at most 256*256 pairs exist and a session uses at
// most one per group size. A Codec is safe for concurrent use.
type Codec struct {
	mu  sync.Mutex
	enc map[[2]int]reedsolomon.Encoder
}

// NewCodec returns an empty Codec.
func NewCodec() *Codec { return &Codec{enc: make(map[[2]int]reedsolomon.Encoder)} }

func (c *Codec) encoder(k, m int) (reedsolomon.Encoder, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.enc[[2]int{k, m}]; ok {
		return e, nil
	}
	e, err := reedsolomon.New(k, m)
	if err != nil {
		return nil, fmt.Errorf("failed to build Reed-Solomon code (%d,%d): %w", k, m, err)
	}
	c.enc[[2]int{k, m}] = e
	return e, nil
}

// Encode fills the parity shards of a group: shards holds k data shards
// followed by m parity shards, all of the same length.
func (c *Codec) Encode(shards [][]byte, k, m int) error {
	if m == 0 {
		return nil
	}
	e, err := c.encoder(k, m)
	if err != nil {
		return err
	}
	return e.Encode(shards)
}

// Rebuild recreates missing data shards of a group in place. Missing shards
// are nil or zero-length; a zero-length shard with enough capacity is
// reused. It returns an error when fewer than k shards are present.
func (c *Codec) Rebuild(shards [][]byte, k, m int) error {
	e, err := c.encoder(k, m)
	if err != nil {
		return err
	}
	if err := e.ReconstructData(shards); err != nil {
		return fmt.Errorf("failed to rebuild group: %w", err)
	}
	return nil
}
