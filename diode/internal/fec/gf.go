package fec

import "errors"

// Scalar arithmetic in GF(2^8) with the field polynomial
// x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and generator 2: the field of the
// Reed-Solomon code. Only the small matrices of a rebuild use it; shard
// bytes go through the vectorised reedsolomon.LowLevel routines.
var (
	gfExp [510]byte // gfExp[i] = 2^i, doubled so a sum of two logs needs no mod
	gfLog [256]byte // gfLog[2^i] = i; gfLog[0] is unused
)

func init() {
	x := 1
	for i := range 255 {
		gfExp[i], gfExp[i+255] = byte(x), byte(x)
		gfLog[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
}

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// gfInv returns the multiplicative inverse of a, which must not be 0.
func gfInv(a byte) byte { return gfExp[255-int(gfLog[a])] }

// errSingular is returned by invert for a matrix with no inverse, which an
// MDS code's square parity submatrices never are.
var errSingular = errors.New("singular matrix")

// invert replaces the n×n matrix a (rows of n bytes) by its inverse, by
// Gauss-Jordan elimination; inv must hold n rows of n bytes.
func invert(a, inv [][]byte) error {
	n := len(a)
	for i := range n {
		clear(inv[i])
		inv[i][i] = 1
	}
	for col := range n {
		// Find a pivot and move it onto the diagonal.
		p := col
		for p < n && a[p][col] == 0 {
			p++
		}
		if p == n {
			return errSingular
		}
		a[col], a[p] = a[p], a[col]
		inv[col], inv[p] = inv[p], inv[col]

		// Scale the pivot row to 1, then clear the column elsewhere.
		scaleRow(a[col], inv[col], gfInv(a[col][col]))
		for r := range n {
			if f := a[r][col]; r != col && f != 0 {
				addRow(a[r], a[col], f)
				addRow(inv[r], inv[col], f)
			}
		}
	}
	return nil
}

func scaleRow(a, b []byte, f byte) {
	for i := range a {
		a[i], b[i] = gfMul(a[i], f), gfMul(b[i], f)
	}
}

// addRow adds f times src to dst.
func addRow(dst, src []byte, f byte) {
	for i := range dst {
		dst[i] ^= gfMul(src[i], f)
	}
}
