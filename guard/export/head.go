package export

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"bastion/shared/merkle"
)

// ChainHead is the archive's head as published in the chain-head file.
type ChainHead struct {
	Records uint64      // accepted batches in the archive
	Seq     uint64      // sequence number of the last accepted batch (0 if none)
	Chain   Chain       // chain hash after the last record
	Size    uint64      // ledger size covered, in entries
	Root    merkle.Hash // Merkle root at Size
}

// chainHeadMagic is the first line of a chain-head file.
const chainHeadMagic = "bastion-chain-head v1"

// MarshalText renders h as six lines:
//
//	bastion-chain-head v1
//	records <decimal>
//	seq <decimal>
//	chain <64 hex digits>
//	size <decimal>
//	root <64 hex digits>
func (h ChainHead) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%s\nrecords %d\nseq %d\nchain %x\nsize %d\nroot %s\n",
		chainHeadMagic, h.Records, h.Seq, h.Chain[:], h.Size, h.Root), nil
}

// ParseChainHead parses the form written by MarshalText. It returns
// ErrChainHead naming the first bad line.
func ParseChainHead(b []byte) (ChainHead, error) {
	var h ChainHead
	lines := strings.Split(string(b), "\n")
	if len(lines) != 7 || lines[6] != "" || lines[0] != chainHeadMagic {
		return h, fmt.Errorf("%w: want %q and five fields, one a line", ErrChainHead, chainHeadMagic)
	}
	var err error
	if h.Records, err = field(lines[1], "records"); err != nil {
		return h, err
	}
	if h.Seq, err = field(lines[2], "seq"); err != nil {
		return h, err
	}
	if err := hexField(lines[3], "chain", h.Chain[:]); err != nil {
		return h, err
	}
	if h.Size, err = field(lines[4], "size"); err != nil {
		return h, err
	}
	if err := hexField(lines[5], "root", h.Root[:]); err != nil {
		return h, err
	}
	return h, nil
}

func field(line, name string) (uint64, error) {
	v, ok := strings.CutPrefix(line, name+" ")
	n, err := strconv.ParseUint(v, 10, 64)
	if !ok || err != nil || strconv.FormatUint(n, 10) != v {
		return 0, fmt.Errorf("%w: bad %s line %q", ErrChainHead, name, line)
	}
	return n, nil
}

func hexField(line, name string, dst []byte) error {
	v, ok := strings.CutPrefix(line, name+" ")
	b, err := hex.DecodeString(v)
	if !ok || err != nil || len(b) != len(dst) || strings.ToLower(v) != v {
		return fmt.Errorf("%w: bad %s line %q", ErrChainHead, name, line)
	}
	copy(dst, b)
	return nil
}
