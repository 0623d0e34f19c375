package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// lnTestData returns rows rows of n elements of x and g for the fused
// LayerNorm kernels: normal values of very different scales (so that the
// order of the sums shows in the bits), with specials (NaN, ±Inf, ±0,
// subnormals) sprinkled over the last row.
func lnTestData[T Float](rng *rand.Rand, n, rows int) (x, g []T) {
	x, g = make([]T, n*rows), make([]T, n*rows)
	for i := range x {
		x[i] = T(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		g[i] = T(rng.NormFloat64())
	}
	_, sx := mixed[T](rng, n)
	_, sg := mixed[T](rng, n)
	copy(x[(rows-1)*n:], sx)
	copy(g[(rows-1)*n:], sg)
	return x, g
}

// TestLNRowsMatchesSweeps checks the fused forward kernel against the
// calls it replaces, bit for bit, row by row.
func TestLNRowsMatchesSweeps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLNRows[float32](t) })
	t.Run("float64", func(t *testing.T) { testLNRows[float64](t) })
}

func testLNRows[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{16, 32, 48, 128, 144, 512} {
		for _, rows := range []int{1, 3, 9} {
			x, _ := lnTestData[T](rng, n, rows)
			w, b := make([]T, n), make([]T, n)
			for i := range w {
				w[i], b[i] = T(0.5+rng.Float64()), T(rng.NormFloat64()*0.1)
			}
			eps := T(1e-5)
			want := make([]T, len(x))
			for i := range rows {
				row := x[i*n : (i+1)*n]
				m := SumWide(row) / float64(n)
				q := SqDevWide(row, m)
				rstd := 1 / math.Sqrt(q/float64(n)+float64(eps))
				normAffineGo(want[i*n:(i+1)*n], row, w, b, float64(T(m)), float64(T(rstd)))
			}
			got := make([]T, len(x))
			if !LNRows(got, x, w, b, n, eps) {
				if fwd, _ := fusedLN(); fwd {
					t.Fatalf("n=%d: LNRows declined", n)
				}
				return
			}
			sameBits(t, "LNRows", n, want, got)
		}
	}
}

// TestLNGradRowsMatchesSweeps checks the fused backward kernel against
// the calls it replaces, bit for bit, with and without accumulating.
func TestLNGradRowsMatchesSweeps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLNGradRows[float32](t) })
	t.Run("float64", func(t *testing.T) { testLNGradRows[float64](t) })
}

func testLNGradRows[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, n := range []int{8, 16, 24, 64, 120, 128} {
		for _, rows := range []int{1, 2, 3, 7, 8} {
			x, g := lnTestData[T](rng, n, rows)
			w := make([]T, n)
			for i := range w {
				w[i] = T(0.5 + rng.Float64())
			}
			eps := T(1e-5)
			for _, add := range []bool{false, true} {
				o0 := make([]T, len(x))
				for i := range o0 {
					o0[i] = T(rng.NormFloat64())
				}
				wo, wwg := append([]T(nil), o0...), make([]T, len(x))
				d, u, gy := make([]T, n), make([]T, n), make([]T, n)
				count := T(n)
				for i := range rows {
					row, gr := x[i*n:(i+1)*n], g[i*n:(i+1)*n]
					mu := sum8(row, true) / count
					sq := NormCenter(d, u, gy, row, gr, w, mu)
					r := 1 / T(math.Sqrt(float64(sq/count+eps)))
					s1, s2 := NormScale(d, u, wwg[i*n:], gy, gr, r)
					NormOut(wo[i*n:(i+1)*n], gy, d, r, s1/count, s2/count, add)
				}
				o, wg := append([]T(nil), o0...), make([]T, len(x))
				if !LNGradRows(o, wg, x, g, w, n, eps, add) {
					if _, bwd := fusedLN(); bwd {
						t.Fatalf("n=%d: LNGradRows declined", n)
					}
					return
				}
				sameBits(t, "LNGradRows' o", n, wo, o)
				sameBits(t, "LNGradRows' wg", n, wwg, wg)
			}
		}
	}
}

// TestLNRowsDecline: lengths the kernels do not take are declined, not
// half done.
func TestLNRowsDecline(t *testing.T) {
	x := make([]float32, 272)
	y := make([]float32, 272)
	if LNRows(y, x, x, x, 20, 1e-5) || LNRows(y, x, x, x, 0, 1e-5) || LNRows(y, x, x, x, 7, 1e-5) {
		t.Error("LNRows took a length it has no kernel for")
	}
	if LNGradRows(y, y, x[:40], x, x, 20, 1e-5, false) || LNGradRows(y, y, x, x, x, 136, 1e-5, false) {
		t.Error("LNGradRows took a length it has no kernel for")
	}
}

// TestAddRows64MatchesTree checks AddRows64 against its definition, eight
// AddRows8 leaves added as a balanced tree, bit for bit.
func TestAddRows64MatchesTree(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAddRows64[float32](t) })
	t.Run("float64", func(t *testing.T) { testAddRows64[float64](t) })
}

func testAddRows64[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	for _, n := range []int{1, 5, 15, 16, 17, 40, 100, 256} {
		stride := n + rng.IntN(3)
		src, _ := lnTestData[T](rng, stride, 64)
		var leaves [8][]T
		for l := range leaves {
			var rows [8][]T
			for k := range rows {
				rows[k] = src[(8*l+k)*stride:][:n]
			}
			leaves[l] = make([]T, n)
			addRows8Go(leaves[l], &rows, 0, 1, false)
		}
		want := make([]T, n)
		addRows8Go(want, &leaves, 0, 1, false)
		got := make([]T, n)
		if !AddRows64(got, src, stride) {
			if fwd, _ := fusedLN(); fwd {
				t.Fatalf("n=%d: AddRows64 declined", n)
			}
			return
		}
		sameBits(t, "AddRows64", n, want, got)
	}
}

// BenchmarkLNRows times the fused LayerNorm kernels on a transformer's
// rows (512 of 128, float32) against the row-by-row calls they replace.
func BenchmarkLNRows(b *testing.B) {
	const n, rows = 128, 512
	rng := rand.New(rand.NewPCG(47, 48))
	x, g := make([]float32, n*rows), make([]float32, n*rows)
	for i := range x {
		x[i], g[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	w, bias := make([]float32, n), make([]float32, n)
	for i := range w {
		w[i], bias[i] = float32(0.5+rng.Float64()), float32(rng.NormFloat64()*0.1)
	}
	y, o, wg := make([]float32, n*rows), make([]float32, n*rows), make([]float32, n*rows)
	d, u, gy := make([]float32, n), make([]float32, n), make([]float32, n)
	b.Run("forward/fused", func(b *testing.B) {
		for b.Loop() {
			LNRows(y, x, w, bias, n, 1e-5)
		}
	})
	b.Run("forward/rows", func(b *testing.B) {
		for b.Loop() {
			for i := range rows {
				row := x[i*n : (i+1)*n]
				m := SumWide(row) / n
				q := SqDevWide(row, m)
				rstd := 1 / math.Sqrt(q/n+1e-5)
				NormAffine(y[i*n:(i+1)*n], row, w, bias, float64(float32(m)), float64(float32(rstd)))
			}
		}
	})
	b.Run("backward/fused", func(b *testing.B) {
		for b.Loop() {
			LNGradRows(o, wg, x, g, w, n, 1e-5, false)
		}
	})
	b.Run("backward/rows", func(b *testing.B) {
		for b.Loop() {
			for i := range rows {
				row, gr := x[i*n:(i+1)*n], g[i*n:(i+1)*n]
				mu := Sum8(row) / n
				sq := NormCenter(d, u, gy, row, gr, w, mu)
				r := 1 / float32(math.Sqrt(float64(sq/n+1e-5)))
				s1, s2 := NormScale(d, u, wg[i*n:], gy, gr, r)
				NormOut(o[i*n:(i+1)*n], gy, d, r, s1/n, s2/n, false)
			}
		}
	})
}
