package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// CommandVersion is the command encoding this package writes and accepts.
const CommandVersion = 1

// Limits on one command, in items or bytes. A command over any of them is
// rejected by Decode.
const (
	MaxItems      = 4096     // items in one Append
	MaxIDSize     = 128      // an idempotency ID
	MaxEntrySize  = 64 << 10 // an encoded entry (entry.MaxSize)
	MaxOpenings   = 16 << 10 // the openings of one entry
	MaxReceipt    = 16 << 10 // one encoded receipt
	MaxLinkSize   = 64       // an export link name
	MaxCheckpoint = 64 << 10 // a signed checkpoint note
	MaxKeySize    = 128      // a configuration key
	MaxContent    = 1 << 20  // a configuration value
)

// Kind tells commands apart; it is the second byte of every encoding.
type Kind byte

// Command kinds.
const (
	KindAppend Kind = 1 // Append: new ledger entries
	KindExport Kind = 2 // AdvanceExport: the exporter's cursor moves
	KindConfig Kind = 3 // ConfigChange: a configuration value and its entry
)

// Command is one of *Append, *AdvanceExport and *ConfigChange.
type Command interface {
	Kind() Kind
	appendTo(b []byte) []byte
	sizeHint() int // at least the length of the encoding
}

// Item is one decided submission: its canonical entry, the openings of the
// entry's commitments (kept on the high side only), its idempotency ID and
// the receipt to return for it, without the index.
type Item struct {
	ID       string
	Entry    []byte
	Openings []byte
	Receipt  []byte
}

// Append adds entries to the ledger. An item whose ID is already recorded
// is not appended again.
type Append struct{ Items []Item }

// ExportRecord is one exported batch: its sequence number (from 1), the
// ledger range [First, Size) it covers and the signed checkpoint of size
// Size.
type ExportRecord struct {
	Seq        uint64
	First      uint64
	Size       uint64
	Checkpoint []byte
}

// AdvanceExport moves the export cursor of Link to Record.
type AdvanceExport struct {
	Link   string
	Record ExportRecord
}

// ConfigChange records a configuration or rule-pack value under Key, and
// the ledger entry that announces it.
type ConfigChange struct {
	Key     string
	Content []byte
	Item    Item
}

// Kind returns KindAppend.
func (*Append) Kind() Kind { return KindAppend }

// Kind returns KindExport.
func (*AdvanceExport) Kind() Kind { return KindExport }

// Kind returns KindConfig.
func (*ConfigChange) Kind() Kind { return KindConfig }

// Encode returns the binary form of c: a version byte, a kind byte, then
// the fields in declaration order, integers as unsigned varints and byte
// strings as a varint length followed by the bytes.
func Encode(c Command) []byte {
	b := make([]byte, 2, 2+c.sizeHint())
	b[0], b[1] = CommandVersion, byte(c.Kind())
	return c.appendTo(b)
}

// bytesHint bounds the encoding of a byte string: its length and its
// varint length prefix.
func bytesHint(n int) int { return binary.MaxVarintLen64 + n }

func (a *Append) sizeHint() int {
	n := binary.MaxVarintLen64
	for i := range a.Items {
		n += a.Items[i].sizeHint()
	}
	return n
}

func (it *Item) sizeHint() int {
	return bytesHint(len(it.ID)) + bytesHint(len(it.Entry)) + bytesHint(len(it.Openings)) +
		bytesHint(len(it.Receipt))
}

func (e *AdvanceExport) sizeHint() int {
	return bytesHint(len(e.Link)) + 3*binary.MaxVarintLen64 + bytesHint(len(e.Record.Checkpoint))
}

func (c *ConfigChange) sizeHint() int {
	return bytesHint(len(c.Key)) + bytesHint(len(c.Content)) + c.Item.sizeHint()
}

func (a *Append) appendTo(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(a.Items)))
	for _, it := range a.Items {
		b = it.appendTo(b)
	}
	return b
}

func (it *Item) appendTo(b []byte) []byte {
	b = appendBytes(b, []byte(it.ID))
	b = appendBytes(b, it.Entry)
	b = appendBytes(b, it.Openings)
	return appendBytes(b, it.Receipt)
}

func (e *AdvanceExport) appendTo(b []byte) []byte {
	b = appendBytes(b, []byte(e.Link))
	b = binary.AppendUvarint(b, e.Record.Seq)
	b = binary.AppendUvarint(b, e.Record.First)
	b = binary.AppendUvarint(b, e.Record.Size)
	return appendBytes(b, e.Record.Checkpoint)
}

func (c *ConfigChange) appendTo(b []byte) []byte {
	b = appendBytes(b, []byte(c.Key))
	b = appendBytes(b, c.Content)
	return c.Item.appendTo(b)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// ErrMalformedCommand is returned by Decode for bytes that are not a
// command of a known version and kind within the limits.
var ErrMalformedCommand = errors.New("malformed command")

// Decode parses a command. It accepts exactly the bytes Encode writes: a
// non-minimal varint, a field over its limit or trailing data is an error
// wrapping ErrMalformedCommand. Byte fields of the result alias b.
func Decode(b []byte) (Command, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedCommand, len(b))
	}
	if b[0] != CommandVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrMalformedCommand, b[0])
	}
	r := &reader{b: b[2:]}
	var c Command
	switch Kind(b[1]) {
	case KindAppend:
		c = r.append()
	case KindExport:
		c = r.export()
	case KindConfig:
		c = r.config()
	case KindShred:
		c = r.shred()
	case KindRulePack:
		c = r.rulePack()
	default:
		return nil, fmt.Errorf("%w: unknown kind %d", ErrMalformedCommand, b[1])
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d bytes of trailing data", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}

// reader decodes fields in order and keeps the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformedCommand, fmt.Sprintf(format, args...))
	}
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n != binary.PutUvarint(make([]byte, binary.MaxVarintLen64), v) {
		r.fail("bad varint for %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(what string, max int) []byte {
	n := r.uvarint(what)
	if r.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(r.b)) {
		r.fail("%s of %d bytes (at most %d, %d left)", what, n, max, len(r.b))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) item() Item {
	return Item{
		ID:       string(r.bytes("id", MaxIDSize)),
		Entry:    r.bytes("entry", MaxEntrySize),
		Openings: r.bytes("openings", MaxOpenings),
		Receipt:  r.bytes("receipt", MaxReceipt),
	}
}

func (r *reader) append() *Append {
	n := r.uvarint("item count")
	if r.err == nil && (n == 0 || n > MaxItems) {
		r.fail("%d items, want 1 to %d", n, MaxItems)
	}
	if r.err != nil {
		return nil
	}
	a := &Append{Items: make([]Item, 0, min(n, uint64(len(r.b)/4)+1))}
	for i := uint64(0); i < n && r.err == nil; i++ {
		a.Items = append(a.Items, r.item())
	}
	return a
}

func (r *reader) export() *AdvanceExport {
	e := &AdvanceExport{Link: string(r.bytes("link", MaxLinkSize))}
	e.Record.Seq = r.uvarint("seq")
	e.Record.First = r.uvarint("first")
	e.Record.Size = r.uvarint("size")
	e.Record.Checkpoint = r.bytes("checkpoint", MaxCheckpoint)
	return e
}

func (r *reader) config() *ConfigChange {
	c := &ConfigChange{Key: string(r.bytes("key", MaxKeySize))}
	c.Content = r.bytes("content", MaxContent)
	c.Item = r.item()
	return c
}

// KindRulePack is the kind of a RulePack command.
const KindRulePack Kind = 5

// MaxPackVersion bounds a rule pack's version, in bytes.
const MaxPackVersion = 64

// RulePack puts a signed rule pack in force from the ledger index of its
// entry, Item, which announces the switch. Version is the pack's version;
// Pack is the signed pack as submitted (at most MaxContent bytes). The
// leader has verified the signature and validated the pack.
type RulePack struct {
	Version string
	Pack    []byte
	Item    Item
}

// Kind returns KindRulePack.
func (*RulePack) Kind() Kind { return KindRulePack }

func (c *RulePack) sizeHint() int {
	return bytesHint(len(c.Version)) + bytesHint(len(c.Pack)) + c.Item.sizeHint()
}

func (c *RulePack) appendTo(b []byte) []byte {
	b = appendBytes(b, []byte(c.Version))
	b = appendBytes(b, c.Pack)
	return c.Item.appendTo(b)
}

func (r *reader) rulePack() *RulePack {
	c := &RulePack{Version: string(r.bytes("version", MaxPackVersion))}
	c.Pack = r.bytes("pack", MaxContent)
	c.Item = r.item()
	return c
}
