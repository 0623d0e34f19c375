package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// quoRecipRef is the float64 sequence of QuoRecip32 and QuoRecipRound64to32
// written with math.FMA: a·(1/p) corrected twice by the residual.
func quoRecipRef(a, p float64) float64 {
	y, np := 1/p, -p
	q := a * y
	for range 2 {
		r := math.FMA(q, np, a)
		q = math.FMA(r, y, q)
	}
	return q
}

// quoRecipDivisors returns the divisors p the tests try: the ends and
// powers of two of the range, significands of all ones and just above one,
// and random values from [1, 2^64].
func quoRecipDivisors(rng *rand.Rand, random int) []float64 {
	ps := []float64{1, 2, 3, 1.5, 0x1p64, 0x1.fffffffffffffp0, 0x1.0000000000001p0, 0x1.fffffffffffffp63,
		0x1.0000000000001p30, 4096, 50000, 127.99999999999999, 1.9999999, 5.960464477539063e-8 + 1}
	for range random {
		// Sums of softmax rows (1 to n) and divisors from the whole range.
		ps = append(ps, 1+rng.Float64()*float64(rng.IntN(1<<17)), math.Ldexp(1+rng.Float64(), rng.IntN(64)))
	}
	return ps
}

// TestQuoRecipExhaustive checks that the float64 sequence of the QuoRecip
// kernels is the correctly rounded quotient a/p for every float32
// significand of a (a float32's quotient by p is 2^e times that of its
// significand, in float64 without underflow), for divisors p from
// quoRecipDivisors: the bits of QuoRound64to32 and Quo32.
func TestQuoRecipExhaustive(t *testing.T) {
	random, step := 20, uint32(1)
	if testing.Short() || raceEnabled { // the race detector checks nothing in this loop
		random = 2
	}
	if raceEnabled {
		// Every 97th significand (86,000 per divisor, all divisors kept)
		// and the largest: the single-goroutine loop took 5 s under the
		// detector, and the plain run still checks every significand.
		step = 97
	}
	rng := rand.New(rand.NewPCG(21, 8))
	for _, p := range quoRecipDivisors(rng, random) {
		check := func(m uint32) {
			a := float64(math.Float32frombits(0x3f800000 | m))
			if got, want := quoRecipRef(a, p), a/p; got != want {
				t.Fatalf("%v / %v: %v, want %v", a, p, got, want)
			}
		}
		for m := uint32(0); m < 1<<23; m += step {
			check(m)
		}
		check(1<<23 - 1)
	}
}

// TestQuoRecipKernels checks every path of QuoRecip32 and
// QuoRecipRound64to32 against the quotients of Quo32 and QuoRound64to32's
// definitions: on softmax-like inputs (0, subnormal float32s, [0, 1]), on
// odd lengths, and in place.
func TestQuoRecipKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 17))
	for _, n := range append(lengths(), 4099) {
		x32 := make([]float32, n)
		x := make([]float64, n)
		for i := range x32 {
			x[i] = math.Exp(-rng.Float64() * 110)
			switch i % 7 {
			case 0:
				x[i] = 0
			case 1:
				x[i] = 1
			case 2:
				x[i] = math.Ldexp(rng.Float64(), -140) // subnormal in float32
			}
			x32[i] = float32(x[i])
			if i%5 == 3 && x32[i] != 0 { // -0 gives +0 (documented)
				x32[i] = -x32[i]
			}
		}
		want, got := make([]float32, n), make([]float32, n)
		for _, p := range quoRecipDivisors(rng, 3) {
			for i, v := range x32 {
				want[i] = float32(float64(v) / p)
			}
			QuoRecip32(got, x32, p)
			checkBits32(t, "QuoRecip32", n, got, want)
			quoRecip32Go(got, x32, p)
			checkBits32(t, "quoRecip32Go", n, got, want)
			inPlace := append([]float32(nil), x32...)
			QuoRecip32(inPlace, inPlace, p)
			checkBits32(t, "QuoRecip32 in place", n, inPlace, want)
			for _, f := range quoRecip32Impls() {
				clear(got)
				k := f(got, x32, p)
				quoRecip32Go(got[k:], x32[k:], p)
				checkBits32(t, "quoRecip32 assembly", n, got, want)
			}
			for i, v := range x {
				want[i] = float32(float64(float32(v)) / p)
			}
			QuoRecipRound64to32(got, x, p)
			checkBits32(t, "QuoRecipRound64to32", n, got, want)
			quoRecipRound64to32Go(got, x, p)
			checkBits32(t, "quoRecipRound64to32Go", n, got, want)
			for _, f := range quoRecipRound64to32Impls() {
				clear(got)
				k := f(got, x, p)
				quoRecipRound64to32Go(got[k:], x[k:], p)
				checkBits32(t, "quoRecipRound64to32 assembly", n, got, want)
			}
		}
	}
}
