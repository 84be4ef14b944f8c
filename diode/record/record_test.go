package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoundTrip(t *testing.T) {
	for _, r := range []*Record{
		{Name: "a", Data: []byte{}},
		{Name: "audit-0001.bin", Offset: 1 << 40, Final: true, Data: []byte("hello")},
		{Name: strings.Repeat("x", MaxName), Data: bytes.Repeat([]byte{7}, 1000)},
	} {
		b, err := Append(nil, r)
		if err != nil {
			t.Fatalf("Append(%q): %v", r.Name, err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(%q): %v", r.Name, err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

// D13: a length field that lies gets a clean error naming it.
func TestLyingLengths(t *testing.T) {
	body := make([]byte, 100)
	body[0] = 1
	binary.BigEndian.PutUint16(body[2:], 65535)
	good, _ := Append(nil, &Record{Name: "f", Data: []byte("abc")})
	longData := append([]byte(nil), good...)
	binary.BigEndian.PutUint32(longData[len(longData)-7:], 65535)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"name claims 65535 in 100 bytes", body, "name length 65535 exceeds the 84 bytes left"},
		{"data claims 65535", longData, "data length 65535, record carries 3 bytes"},
		{"empty", nil, "0 bytes"},
		{"bad version", append([]byte{2}, good[1:]...), "version 2"},
		{"trailing byte", append(append([]byte(nil), good...), 0), "data length 3, record carries 4 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: got %v, want ErrMalformed saying %q", err, tc.want)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"report.csv", true}, {"a-b_c.1", true}, {"", false}, {".hidden", false},
		{"../etc", false}, {"a/b", false}, {"a:b", false}, {"a=b", false}, {`a"b`, false},
		{"\xffSECRET", false}, {strings.Repeat("a", 256), false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Append(nil, &Record{Name: "f.txt", Offset: 9, Final: true, Data: []byte("abc")})
	f.Add(good)
	f.Add([]byte{})
	f.Add(make([]byte, 100))
	f.Fuzz(func(t *testing.T, p []byte) {
		r, err := Parse(p)
		if err != nil {
			return
		}
		again, err := Append(nil, r)
		if err != nil {
			t.Fatalf("parsed record does not encode: %v", err)
		}
		if !bytes.Equal(again, p) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, p)
		}
	})
}
