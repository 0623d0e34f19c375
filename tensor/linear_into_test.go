package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLinearInto checks LinearInto and LinearPackedInto against their
// definition, bit for bit: the bias written first, the product
// accumulated onto it, then ReLUInto, with and without either, on the
// packed kernels' tiles and blocks of k, the tiny and the narrow products,
// and with NaN, ±Inf and −0 in x and the bias.
func TestLinearInto(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testLinearPacked[float64](t) })
	t.Run("float32", func(t *testing.T) { testLinearPacked[float32](t) })
}

func testLinearPacked[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	nan, inf, negZero := T(math.NaN()), T(math.Inf(1)), T(math.Copysign(0, -1))
	for _, s := range [][3]int{{1, 1, 1}, {2, 3, 2}, {7, 5, 3}, {64, 100, 70}, {256, 784, 256}, {256, 128, 10}, {13, 1100, 67}, {3, 300, 9}} {
		m, k, n := s[0], s[1], s[2]
		x := RandUniform[T](rng, -1, 1, m, k)
		w := RandUniform[T](rng, -1, 1, n, k)
		bias := RandUniform[T](rng, -1, 1, n)
		x.Data()[rng.IntN(m*k)] = nan
		x.Data()[rng.IntN(m*k)] = -inf
		bias.Data()[rng.IntN(n)] = negZero
		pw := Pack(w, true)
		for _, withBias := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				name := fmt.Sprintf("%v/bias=%v/relu=%v", s, withBias, relu)
				want := Full[T](nan, m, n)
				var b *Tensor[T]
				beta := T(0)
				if withBias {
					b, beta = bias, 1
					for r := range m {
						copy(want.Data()[r*n:(r+1)*n], bias.Data())
					}
				}
				GemmPacked(false, 1, x, pw, beta, want)
				if relu {
					ReLUInto(want, want)
				}
				got := Full[T](nan, m, n)
				LinearPackedInto(got, x, pw, b, relu)
				if diff := cmp.Diff(nanBits(want.Data()), nanBits(got.Data())); diff != "" {
					t.Fatalf("%s: LinearPackedInto differs from its definition in bits (-want +got):\n%s", name, diff)
				}
				got = Full[T](nan, m, n)
				LinearInto(got, x, w, b, relu)
				if diff := cmp.Diff(nanBits(want.Data()), nanBits(got.Data())); diff != "" {
					t.Fatalf("%s: LinearInto differs from its definition in bits (-want +got):\n%s", name, diff)
				}
			}
		}
	}
}

// TestLinearIntoErrors checks the *ShapeErrors of LinearInto and
// LinearPackedInto.
func TestLinearIntoErrors(t *testing.T) {
	z := Zeros[float64]
	w := Pack(z(2, 4), true) // op(w) is [4 2]
	out := z(3, 2)
	buf := z(4, 4).Data()
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"inner dims", func() { LinearPackedInto(z(3, 2), z(3, 5), w, nil, false) }, "tensor: LinearPackedInto: inner dimensions differ: [3 5] x [2 4]"},
		{"output shape", func() { LinearPackedInto(z(2, 3), z(3, 4), w, nil, true) }, "tensor: LinearPackedInto: output must be [3 2]: [3 4] x [4 2] x [2 3]"},
		{"bias shape", func() { LinearPackedInto(z(3, 2), z(3, 4), w, z(1, 2), false) }, "tensor: LinearPackedInto: bias must be [2]: [3 4] x [4 2] x [1 2]"},
		{"bias in output", func() { LinearPackedInto(out, z(3, 4), w, MustNew(out.Data()[4:], 2), false) }, "tensor: LinearPackedInto: output shares memory with the bias: [3 2] x [2]"},
		{"x in output", func() { LinearPackedInto(MustNew(buf[:6], 3, 2), MustNew(buf[4:16], 3, 4), w, nil, false) }, "tensor: LinearPackedInto: output shares memory with x: [3 4] x [3 2]"},
		{"unpacked inner dims", func() { LinearInto(z(3, 2), z(3, 5), z(2, 4), nil, false) }, "tensor: LinearInto: inner dimensions differ: [3 5] x [2 4]"},
		{"unpacked output shape", func() { LinearInto(z(2, 3), z(3, 4), z(2, 4), nil, false) }, "tensor: LinearInto: output must be [3 2]: [3 4] x [2 4] x [2 3]"},
		{"unpacked bias shape", func() { LinearInto(z(3, 2), z(3, 4), z(2, 4), z(3), true) }, "tensor: LinearInto: bias must be [2]: [3 4] x [2 4] x [3]"},
		{"unpacked weight in output", func() { LinearInto(MustNew(buf[:6], 3, 2), z(3, 4), MustNew(buf[4:12], 2, 4), nil, false) }, "tensor: LinearInto: output shares memory with the weight: [2 4] x [3 2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantShapePanic(t, tc.msg, tc.f) })
	}
}
