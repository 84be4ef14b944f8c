package fec

import "fmt"

// Rebuild recreates missing data shards of a group in place. shards holds
// k data shards followed by m parity shards; missing ones are nil or
// zero-length, and a zero-length shard with enough capacity is reused.
// Parity shards are read, never changed, and missing parity is not
// recreated. It returns an error wrapping ErrTooFewShards when fewer than k
// shards are present, or an error for shards of unequal length.
//
// With e data shards missing, it takes e present parity shards and solves
// for the missing data only: it subtracts the present data's share from
// each parity shard (the syndromes), then multiplies the syndromes by the
// inverse of the e×e parity submatrix over the missing columns. A
// systematic MDS code's square parity submatrices are all invertible. This
// costs about e·k shard multiplications and an e×e inversion, where a
// general decoder inverts a k×k matrix for every loss pattern.
func (c *Codec) Rebuild(shards [][]byte, k, m int) error {
	if len(shards) != k+m {
		return fmt.Errorf("failed to rebuild group: %d shards, want %d", len(shards), k+m)
	}
	size, err := shardLen(shards)
	if err != nil {
		return err
	}
	lost, rows := c.erasures(shards, k, m)
	if len(lost) == 0 {
		return nil
	}
	if len(rows) < len(lost) {
		return fmt.Errorf("failed to rebuild group: %w: %d of %d data shards and %d of %d parity shards missing",
			ErrTooFewShards, len(lost), k, m-len(rows), m)
	}
	x, err := c.code(k, m)
	if err != nil {
		return err
	}
	inv, err := solver(x.parity, rows, lost)
	if err != nil {
		return fmt.Errorf("failed to rebuild group: %w", err)
	}
	syn, put := c.syndromes(x.parity, shards, k, rows, size)
	defer put()
	for a, i := range lost {
		out := shards[i]
		if cap(out) < size {
			out = make([]byte, size)
		}
		out = out[:size]
		c.low.GalMulSlice(inv[a][0], syn[0], out)
		for b := 1; b < len(rows); b++ {
			c.low.GalMulSliceXor(inv[a][b], syn[b], out)
		}
		shards[i] = out
	}
	return nil
}

// shardLen returns the common length of the present shards.
func shardLen(shards [][]byte) (int, error) {
	size := 0
	for i, s := range shards {
		switch {
		case len(s) == 0:
		case size == 0:
			size = len(s)
		case len(s) != size:
			return 0, fmt.Errorf("failed to rebuild group: shard %d of %d bytes, others %d", i, len(s), size)
		}
	}
	if size == 0 {
		return 0, fmt.Errorf("failed to rebuild group: %w: none present", ErrTooFewShards)
	}
	return size, nil
}

// erasures lists the missing data shards and the first present parity rows,
// as many as there are missing data shards.
func (c *Codec) erasures(shards [][]byte, k, m int) (lost, rows []int) {
	for i := range k {
		if len(shards[i]) == 0 {
			lost = append(lost, i)
		}
	}
	for r := 0; r < m && len(rows) < len(lost); r++ {
		if len(shards[k+r]) != 0 {
			rows = append(rows, r)
		}
	}
	return lost, rows
}

// solver returns the inverse of the parity submatrix with the given rows
// and the lost data columns.
func solver(parity [][]byte, rows, lost []int) ([][]byte, error) {
	e := len(lost)
	cells := make([]byte, 2*e*e)
	a, inv := make([][]byte, e), make([][]byte, e)
	for b, r := range rows {
		a[b], inv[b] = cells[2*b*e:(2*b+1)*e], cells[(2*b+1)*e:(2*b+2)*e]
		for col, j := range lost {
			a[b][col] = parity[r][j]
		}
	}
	return inv, invert(a, inv)
}

// syndromes computes, for every chosen parity row r, parity shard r minus
// the share of the present data shards: what the lost data shards
// contribute to it. put returns the scratch memory.
func (c *Codec) syndromes(parity, shards [][]byte, k int, rows []int, size int) (syn [][]byte, put func()) {
	e := len(rows)
	bp, _ := c.bufs.Get().(*[]byte)
	if bp == nil || cap(*bp) < e*size {
		b := make([]byte, e*size)
		bp = &b
	}
	buf := (*bp)[:e*size]
	syn = make([][]byte, e)
	for b, r := range rows {
		syn[b] = buf[b*size : (b+1)*size : (b+1)*size]
		copy(syn[b], shards[k+r])
	}
	for j := range k {
		d := shards[j]
		if len(d) == 0 {
			continue
		}
		for b, r := range rows {
			c.low.GalMulSliceXor(parity[r][j], d, syn[b])
		}
	}
	return syn, func() { c.bufs.Put(bp) }
}
