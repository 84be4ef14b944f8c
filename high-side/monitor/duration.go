package monitor

import (
	"strconv"
	"time"
)

// dur appends d as time.Duration.String renders it.
func (t *text) dur(d time.Duration) *text {
	t.b = appendDuration(t.b, d)
	return t
}

// appendDuration appends d in the form of time.Duration.String ("1h2m3.5s",
// "1.5ms", "250ns", "0s") without allocating.
func appendDuration(b []byte, d time.Duration) []byte {
	if d == 0 {
		return append(b, "0s"...)
	}
	u := uint64(d)
	if d < 0 {
		b, u = append(b, '-'), -u
	}
	switch {
	case u < uint64(time.Microsecond):
		return append(strconv.AppendUint(b, u, 10), "ns"...)
	case u < uint64(time.Millisecond):
		return append(appendFraction(b, u, 3), "µs"...)
	case u < uint64(time.Second):
		return append(appendFraction(b, u, 6), "ms"...)
	}
	h, m := u/uint64(time.Hour), u/uint64(time.Minute)%60
	if h > 0 {
		b = append(strconv.AppendUint(b, h, 10), 'h')
	}
	if h > 0 || m > 0 {
		b = append(strconv.AppendUint(b, m, 10), 'm')
	}
	return append(appendFraction(b, u%uint64(time.Minute), 9), 's')
}

// appendFraction appends v / 10^places with the fraction's trailing zeros,
// and a point left with no fraction, dropped.
func appendFraction(b []byte, v uint64, places int) []byte {
	p := uint64(pow10[places])
	b = strconv.AppendUint(b, v/p, 10)
	frac := v % p
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		places--
	}
	var buf [20]byte
	digits := strconv.AppendUint(buf[:0], frac, 10)
	b = append(b, '.')
	for range places - len(digits) {
		b = append(b, '0')
	}
	return append(b, digits...)
}
