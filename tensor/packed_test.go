package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestGemmPackedMatchesGemm checks GemmPacked against Gemm bit for bit, for
// every transpose and small and layer-sized shapes, in both precisions.
func TestGemmPackedMatchesGemm(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testGemmPacked[float64](t) })
	t.Run("float32", func(t *testing.T) { testGemmPacked[float32](t) })
}

func testGemmPacked[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	sizes := append([][3]int{{0, 3, 4}, {3, 0, 4}, {64, 100, 70}, {256, 128, 10}}, matmulSizes...)
	for _, s := range sizes {
		m, k, n := s[0], s[1], s[2]
		for _, f := range transposeFlags {
			t.Run(fmt.Sprintf("%dx%dx%d/%v", m, k, n, f), func(t *testing.T) {
				a := RandUniform[T](rng, -1, 1, operandShape(m, k, f[0])...)
				b := RandUniform[T](rng, -1, 1, operandShape(k, n, f[1])...)
				c0 := RandUniform[T](rng, -1, 1, m, n)
				for _, beta := range []T{0, 1, 0.5} {
					want, got := c0.Clone(), c0.Clone()
					Gemm(f[0], f[1], 1.5, a, b, beta, want)
					pb := Pack(b, f[1])
					GemmPacked(f[0], 1.5, a, pb, beta, got)
					if diff := cmp.Diff(bitsOf(want.Data()), bitsOf(got.Data())); diff != "" {
						t.Fatalf("beta %v: GemmPacked differs from Gemm in bits (-Gemm +GemmPacked):\n%s", beta, diff)
					}
					if diff := cmp.Diff([]int{k, n}, pb.Shape()); diff != "" {
						t.Errorf("Shape() (-want +got):\n%s", diff)
					}
					if pb.Trans() != f[1] || !cmp.Equal(pb.Source().Data(), b.Data(), cmpopts.EquateEmpty()) || !cmp.Equal(pb.Source().Shape(), b.Shape()) {
						t.Errorf("Trans() = %v, Source() = %v; want %v, %v", pb.Trans(), pb.Source(), f[1], b)
					}
				}
			})
		}
	}
}

// TestPackCopies checks that a Packed keeps the values its tensor had at
// Pack, on the packed path and on the tiny products that read the source.
func TestPackCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][3]int{{64, 64, 64}, {2, 2, 2}} {
		m, k, n := s[0], s[1], s[2]
		a := RandUniform[float32](rng, -1, 1, m, k)
		w := RandUniform[float32](rng, -1, 1, n, k)
		want := MatMul(a, w, false, true)
		pw := Pack(w, true)
		w.Fill(100)
		got := Zeros[float32](m, n)
		GemmPacked(false, 1, a, pw, 0, got)
		if !cmp.Equal(got.Data(), want.Data()) {
			t.Errorf("%v: the product changed with the tensor after Pack", s)
		}
	}
}

// TestGemmPackedErrors checks the *ShapeErrors of Pack and GemmPacked, and
// that a refused product leaves c as it was.
func TestGemmPackedErrors(t *testing.T) {
	z := Zeros[float64]
	w := Pack(z(2, 4), true) // op(w) is [4 2]
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"Pack 1-D", func() { Pack(z(4), false) }, "tensor: Pack: operand must be 2-D: [4]"},
		{"Pack 3-D", func() { Pack(z(1, 2, 3), true) }, "tensor: Pack: operand must be 2-D: [1 2 3]"},
		{"inner dims", func() { GemmPacked(false, 1, z(3, 5), w, 0, z(3, 2)) }, "tensor: GemmPacked: inner dimensions differ: [3 5] x [2 4]"},
		{"a 1-D", func() { GemmPacked(false, 1, z(4), w, 0, z(1, 2)) }, "tensor: GemmPacked: operands must be 2-D: [4] x [2 4]"},
		{"output shape", func() { GemmPacked(false, 1, z(3, 4), w, 0, z(2, 3)) }, "tensor: GemmPacked: output must be [3 2]: [3 4] x [4 2] x [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantShapePanic(t, tc.msg, tc.f) })
	}
	buf := z(3, 4)
	shapePanic(t, func() { GemmPacked(false, 1, buf, w, 0, MustNew(buf.Data()[:6], 3, 2)) })
	sq := Pack(z(2, 2), false)
	if se := shapePanic(t, func() { GemmPacked(false, 1, z(2, 2), sq, 0, sq.Source()) }); se != nil && se.Reason != "output shares memory with operand b" {
		t.Errorf("output is b's source: %v", se)
	}

	c := MustNew([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	shapePanic(t, func() { GemmPacked(false, 1, z(3, 5), w, 0, c) })
	checkTensor(t, "c after failed GemmPacked", c, []int{3, 2}, []float64{1, 2, 3, 4, 5, 6}, 0)
}
