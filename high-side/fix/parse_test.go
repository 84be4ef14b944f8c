package fix

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A real order from the Log4FIX sample logs (FIX 4.2, CheckSum 145).
const sampleOrder = "8=FIX.4.2|9=117|35=D|34=2|49=CoyTrade|52=20060516-22:35:40.763|56=BCE|" +
	"11=1|21=3|38=100|40=1|44=100|54=1|55=AAPL|60=20060516-22:35:40|10=145|"

func TestParseSample(t *testing.T) {
	m, err := Parse(sohs(sampleOrder))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.BeginString != FIX42 || m.MsgType != MsgNewOrderSingle {
		t.Fatalf("got %s %s, want FIX.4.2 D", m.BeginString, m.MsgType)
	}
	want := []Field{{34, "2"}, {49, "CoyTrade"}, {52, "20060516-22:35:40.763"}, {56, "BCE"},
		{11, "1"}, {21, "3"}, {38, "100"}, {40, "1"}, {44, "100"}, {54, "1"}, {55, "AAPL"},
		{60, "20060516-22:35:40"}}
	if d := cmp.Diff(want, m.Fields); d != "" {
		t.Fatalf("fields (-want +got):\n%s", d)
	}
	again, err := m.Encode()
	if err != nil || !bytes.Equal(again, sohs(sampleOrder)) {
		t.Fatalf("re-encode = %q, %v; want the input", again, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
		tag  Tag
	}{
		{"wrong checksum", strings.Replace(sampleOrder, "10=145", "10=146", 1), ErrCheckSum, TagCheckSum},
		{"short checksum", strings.Replace(sampleOrder, "10=145", "10=45", 1), ErrMalformed, TagCheckSum},
		{"length too long", strings.Replace(sampleOrder, "9=117", "9=118", 1), ErrBodyLength, TagBodyLength},
		{"length too short", strings.Replace(sampleOrder, "9=117", "9=116", 1), ErrBodyLength, TagBodyLength},
		{"length zero padded", strings.Replace(sampleOrder, "9=117", "9=0117", 1), ErrMalformed, TagBodyLength},
		{"length not a number", strings.Replace(sampleOrder, "9=117", "9=abc", 1), ErrMalformed, TagBodyLength},
		{"version", strings.Replace(sampleOrder, "FIX.4.2", "FIX.4.9", 1), ErrVersion, TagBeginString},
		{"begin not first", "9=5|8=FIX.4.2|35=0|10=000|", ErrMalformed, TagBodyLength},
		{"msgtype not third", "8=FIX.4.2|9=5|34=1|35=0|10=000|", ErrMalformed, 34},
		{"checksum not last", "8=FIX.4.2|9=5|35=0|10=000|34=1|", ErrMalformed, 34},
		{"repeated length", "8=FIX.4.2|9=5|35=0|9=5|10=000|", ErrMalformed, TagBodyLength},
		{"zero-padded tag", "8=FIX.4.2|9=5|35=0|034=1|10=000|", ErrMalformed, 0},
		{"tag not a number", "8=FIX.4.2|9=5|35=0|x=1|10=000|", ErrMalformed, 0},
		{"empty value", "8=FIX.4.2|9=5|35=0|34=|10=000|", ErrMalformed, 34},
		{"no equals", "8=FIX.4.2|9=5|35=0|34|10=000|", ErrMalformed, 0},
		{"no final SOH", strings.TrimSuffix(sampleOrder, "|"), ErrMalformed, 0},
		{"too few fields", "8=FIX.4.2|9=5|10=000|", ErrMalformed, 0},
		{"empty", "", ErrMalformed, 0},
		{"too large", "8=FIX.4.2|9=5|35=0|58=" + strings.Repeat("x", MaxMessageSize) + "|10=000|", ErrTooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(sohs(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Tag != tt.tag {
				t.Fatalf("got tag %v in %v, want tag %v", pe, err, tt.tag)
			}
		})
	}
}

func TestParseErrorNamesTag(t *testing.T) {
	_, err := Parse(sohs(strings.Replace(sampleOrder, "10=145", "10=146", 1)))
	if want := "tag 10 (CheckSum)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
	}{
		{"version", NewMessage("FIX.4.1", "0")},
		{"empty type", NewMessage(FIX44, "")},
		{"soh in value", &Message{BeginString: FIX44, MsgType: "0", Fields: []Field{{58, "a\x01b"}}}},
		{"empty value", &Message{BeginString: FIX44, MsgType: "0", Fields: []Field{{58, ""}}}},
		{"checksum tag", &Message{BeginString: FIX44, MsgType: "0", Fields: []Field{{10, "000"}}}},
		{"tag zero", &Message{BeginString: FIX44, MsgType: "0", Fields: []Field{{0, "x"}}}},
		{"tag too big", &Message{BeginString: FIX44, MsgType: "0", Fields: []Field{{MaxTag + 1, "x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := tt.m.Encode(); err == nil {
				t.Fatalf("Encode = %q, want an error", b)
			}
		})
	}
}

func TestGroupNested(t *testing.T) {
	// Parties (453) with nested PartySubIDs (802), FIX 4.4 Vol.1.
	m := NewMessage(FIX44, "AE").Add(55, "EUR/USD").Add(453, "2").
		Add(448, "EXEC").Add(447, "D").Add(452, "1").Add(802, "1").Add(523, "P1").Add(803, "2").
		Add(448, "PB").Add(447, "D").Add(452, "19").Add(1, "ACCT")
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m, err = Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Group(453, 448, 447, 452, 802, 523, 803)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]Field{
		{{448, "EXEC"}, {447, "D"}, {452, "1"}, {802, "1"}, {523, "P1"}, {803, "2"}},
		{{448, "PB"}, {447, "D"}, {452, "19"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("groups (-want +got):\n%s", d)
	}
	sub, err := Group(got[0], 802, 523, 803)
	if err != nil || len(sub) != 1 || sub[0][0].Value != "P1" {
		t.Fatalf("nested group = %v, %v; want one instance P1", sub, err)
	}
	m.Set(453, "3")
	if _, err := m.Group(453, 448, 447, 452, 802, 523, 803); err == nil {
		t.Fatal("count 3 with two instances: want an error")
	}
}

func TestNewOrderSingleRoundTrip(t *testing.T) {
	m, err := Parse(sohs(sampleOrder))
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseNewOrderSingle(m)
	if err != nil {
		t.Fatal(err)
	}
	if o.ClOrdID != "1" || o.Symbol != "AAPL" || o.Side != SideBuy || o.OrderQty.String() != "100" || o.OrdType != OrdTypeMarket {
		t.Fatalf("got %+v", o)
	}
	back, err := ParseNewOrderSingle(o.Message(FIX44))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(o, back); d != "" {
		t.Fatalf("round trip (-want +got):\n%s", d)
	}
}

func TestNewOrderSingleFieldErrors(t *testing.T) {
	base := "8=FIX.4.4|9=5|35=D|11=A1|55=AAPL|54=1|38=100|40=2|44=10.5|60=20120621-09:30:00.004|10=000|"
	tests := []struct {
		name   string
		edit   func(*Message)
		tag    Tag
		reason int
	}{
		{"no ClOrdID", func(m *Message) { m.Remove(11) }, 11, RejectRequiredTagMissing},
		{"no Symbol", func(m *Message) { m.Remove(55) }, 55, RejectRequiredTagMissing},
		{"bad Side", func(m *Message) { m.Set(54, "9") }, 54, RejectValueIncorrect},
		{"fractional qty", func(m *Message) { m.Set(38, "10.5") }, 38, RejectValueIncorrect},
		{"zero qty", func(m *Message) { m.Set(38, "0") }, 38, RejectValueIncorrect},
		{"exponent qty", func(m *Message) { m.Set(38, "1e3") }, 38, RejectIncorrectFormat},
		{"limit without price", func(m *Message) { m.Remove(44) }, 44, RejectRequiredTagMissing},
		{"negative price", func(m *Message) { m.Set(44, "-1") }, 44, RejectValueIncorrect},
		{"bad OrdType", func(m *Message) { m.Set(40, "P") }, 40, RejectValueIncorrect},
		{"bad time", func(m *Message) { m.Set(60, "2012-06-21") }, 60, RejectIncorrectFormat},
		{"no time", func(m *Message) { m.Remove(60) }, 60, RejectRequiredTagMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustMessage(t, base)
			tt.edit(m)
			_, err := ParseNewOrderSingle(m)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Tag != tt.tag || fe.Reason != tt.reason {
				t.Fatalf("got %v, want tag %v reason %d", err, tt.tag, tt.reason)
			}
		})
	}
}

// mustMessage builds a message from a '|' form, ignoring its 9 and 10.
func mustMessage(t testing.TB, s string) *Message {
	t.Helper()
	parts := strings.Split(strings.TrimSuffix(s, "|"), "|")
	m := &Message{}
	for _, p := range parts {
		f, err := parseField([]byte(p), 0)
		if err != nil {
			t.Fatal(err)
		}
		switch f.Tag {
		case TagBeginString:
			m.BeginString = f.Value
		case TagMsgType:
			m.MsgType = f.Value
		case TagBodyLength, TagCheckSum:
		default:
			m.Fields = append(m.Fields, f)
		}
	}
	return m
}

func FuzzParse(f *testing.F) {
	f.Add(sohs(sampleOrder))
	f.Add(sohs("8=FIX.4.4|9=5|35=0|10=161|"))
	f.Add(sohs("8=FIX.4.2|9=5|35=0|10=000|"))
	f.Add([]byte{})
	f.Add([]byte("8=FIX.4.2\x019=0117\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("accepted message does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %q, parsed %q", again, b)
		}
	})
}
