package ledger

import (
	"fmt"

	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// hashCache reads stored tree hashes from the hashes bucket and keeps those
// it has read or written. Appending leaf n reads only the roots of the
// complete subtrees on the tree's right border, which the previous appends
// of the same call have just written, so an Append of many records touches
// the store for hashes only at its first record.
type hashCache struct {
	bucket *bbolt.Bucket
	m      map[int64]tlog.Hash
}

func newHashCache(b *bbolt.Bucket) *hashCache {
	return &hashCache{bucket: b, m: make(map[int64]tlog.Hash, 64)}
}

func (c *hashCache) put(i int64, h tlog.Hash) { c.m[i] = h }

// ReadHashes implements tlog.HashReader.
func (c *hashCache) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := c.m[i]
		if !ok {
			var err error
			if h, err = readHash(c.bucket, i); err != nil {
				return nil, err
			}
			c.m[i] = h
		}
		out[k] = h
	}
	return out, nil
}

// bucketReader reads stored hashes straight from a bucket, for read
// transactions.
type bucketReader struct{ bucket *bbolt.Bucket }

// ReadHashes implements tlog.HashReader.
func (r bucketReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, err := readHash(r.bucket, i)
		if err != nil {
			return nil, err
		}
		out[k] = h
	}
	return out, nil
}

// readHash reads stored hash i.
func readHash(b *bbolt.Bucket, i int64) (tlog.Hash, error) {
	v := b.Get(u64(uint64(i)))
	if len(v) != len(tlog.Hash{}) {
		return tlog.Hash{}, fmt.Errorf("%w: stored hash %d has %d bytes", ErrCorrupt, i, len(v))
	}
	return tlog.Hash(v), nil
}
