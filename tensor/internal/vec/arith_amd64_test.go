//go:build amd64 && !purego

package vec

import (
	"math/rand/v2"
	"testing"
)

// TestEachArithKernelMatchesScalar runs the AVX2 and the AVX-512
// arithmetic kernels, axpby and the derivative kernels (MulAdd,
// SigmoidGrad, TanhGrad) directly (the dispatch picks only one) against
// the scalar loops, bit for bit, on inputs a fifth of them special. NaNs
// only have to be NaNs: where two meet, which payload survives depends on
// the operand order the compiler picks for a scalar loop.
func TestEachArithKernelMatchesScalar(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	t.Run("float32", func(t *testing.T) { testEachArith[float32](t) })
	t.Run("float64", func(t *testing.T) { testEachArith[float64](t) })
}

func testEachArith[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	isas := []bool{false}
	if hasAVX512 {
		isas = append(isas, true)
	}
	for _, z := range isas {
		for _, n := range testLengths() {
			if !z {
				n = prefix[T](n)
			}
			if n == 0 {
				continue
			}
			_, x := mixed[T](rng, n)
			_, y := mixed[T](rng, n)
			dw, d := guarded[T](rng, n, false)
			guard := ends(dw)
			want := make([]T, n)
			s := T(rng.NormFloat64())
			for op := OpAdd; op <= OpDiv; op++ {
				arithGo(op, want, x, y)
				runArith(z, op, d, x, y)
				sameBits(t, "arith", n, want, d)
				arithScalarGo(op, want, x, s)
				runArithScalar(z, op, false, d, x, s)
				sameBits(t, "arith scalar", n, want, d)
				scalarArithGo(op, want, s, x)
				runArithScalar(z, op, true, d, x, s)
				sameBits(t, "scalar arith", n, want, d)
			}
			copy(d, y)
			copy(want, y)
			axpbyGo(want, x, 0.3, 0.7)
			if is32[T]() {
				if z {
					axpbyF32AVX512(f32(d), f32(x), n, 0.3, 0.7)
				} else {
					axpbyF32AVX2(f32(d), f32(x), n, 0.3, 0.7)
				}
			} else if z {
				axpbyF64AVX512(f64(d), f64(x), n, 0.3, 0.7)
			} else {
				axpbyF64AVX2(f64(d), f64(x), n, 0.3, 0.7)
			}
			sameBits(t, "axpby", n, want, d)
			for op, scalar := range [...]func(d, a, b []T){mulAddGo[T], sigmoidGradGo[T], tanhGradGo[T]} {
				copy(want, y)
				scalar(want, x, y)
				copy(d, y)
				gradKernel(z, gradOp(op), d, x, y)
				sameBits(t, [...]string{"mulAdd", "sigmoidGrad", "tanhGrad"}[op], n, want, d)
			}
			sameBits(t, "the guards", n, guard, ends(dw))
		}
	}
}

// runArith calls the AVX-512 (z) or AVX2 kernel of op.
func runArith[T Float](z bool, op Op, dst, x, y []T) {
	n := len(dst)
	if is32[T]() {
		d, a, b := f32(dst), f32(x), f32(y)
		k := [2][4]func(d, a, b *float32, n int){
			{addF32AVX2, subF32AVX2, mulF32AVX2, divF32AVX2},
			{addF32AVX512, subF32AVX512, mulF32AVX512, divF32AVX512},
		}
		k[b2i(z)][op](d, a, b, n)
		return
	}
	d, a, b := f64(dst), f64(x), f64(y)
	k := [2][4]func(d, a, b *float64, n int){
		{addF64AVX2, subF64AVX2, mulF64AVX2, divF64AVX2},
		{addF64AVX512, subF64AVX512, mulF64AVX512, divF64AVX512},
	}
	k[b2i(z)][op](d, a, b, n)
}

// runArithScalar calls the AVX-512 (z) or AVX2 kernel of op with a scalar,
// on the left when left.
func runArithScalar[T Float](z bool, op Op, left bool, dst, x []T, s T) {
	n := len(dst)
	if is32[T]() {
		k := [2][2][4]func(d, a *float32, n int, s float32){
			{{addSF32AVX2, subSF32AVX2, mulSF32AVX2, divSF32AVX2}, {sAddF32AVX2, sSubF32AVX2, sMulF32AVX2, sDivF32AVX2}},
			{{addSF32AVX512, subSF32AVX512, mulSF32AVX512, divSF32AVX512}, {sAddF32AVX512, sSubF32AVX512, sMulF32AVX512, sDivF32AVX512}},
		}
		k[b2i(z)][b2i(left)][op](f32(dst), f32(x), n, float32(s))
		return
	}
	k := [2][2][4]func(d, a *float64, n int, s float64){
		{{addSF64AVX2, subSF64AVX2, mulSF64AVX2, divSF64AVX2}, {sAddF64AVX2, sSubF64AVX2, sMulF64AVX2, sDivF64AVX2}},
		{{addSF64AVX512, subSF64AVX512, mulSF64AVX512, divSF64AVX512}, {sAddF64AVX512, sSubF64AVX512, sMulF64AVX512, sDivF64AVX512}},
	}
	k[b2i(z)][b2i(left)][op](f64(dst), f64(x), n, float64(s))
}

// TestEachSumLanesKernel runs the AVX2 and AVX-512 kernels of Sum8's
// accumulators directly against the scalar loop, bit for bit.
func TestEachSumLanesKernel(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{8, 16, 24, 64, 128, 1000} {
		_, x := mixed[float32](rng, n)
		_, y := mixed[float64](rng, n)
		var w32, g32 [8]float32
		var w64, g64 [8]float64
		sumLanesGo(x, &w32)
		sumLanesGo(y, &w64)
		sumLanesF32AVX2(f32(x), n, &g32[0])
		sumLanesF64AVX2(f64(y), n, &g64[0])
		sameBits(t, "AVX2 float32 lanes", n, w32[:], g32[:])
		sameBits(t, "AVX2 float64 lanes", n, w64[:], g64[:])
		if hasAVX512 {
			sumLanesF32AVX512(f32(x), n, &g32[0])
			sumLanesF64AVX512(f64(y), n, &g64[0])
			sameBits(t, "AVX-512 float32 lanes", n, w32[:], g32[:])
			sameBits(t, "AVX-512 float64 lanes", n, w64[:], g64[:])
		}
	}
}

// TestEachWideKernel runs the AVX2 and AVX-512 kernels of SumWide,
// SqDevWide and NormAffine directly against the scalar loops, bit for bit.
func TestEachWideKernel(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	t.Run("float32", func(t *testing.T) { testEachWide[float32](t) })
	t.Run("float64", func(t *testing.T) { testEachWide[float64](t) })
}

func testEachWide[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, z := range []bool{false, true} {
		if z && !hasAVX512 {
			continue
		}
		for _, n := range []int{16, 32, 128, 1024} {
			_, x := mixed[T](rng, n)
			_, w := mixed[T](rng, n)
			_, b := mixed[T](rng, n)
			var want, got [16]float64
			sumWideGo(x, &want)
			switch {
			case is32[T]() && z:
				sumWideF32AVX512(f32(x), n, &got[0])
			case is32[T]():
				sumWideF32AVX2(f32(x), n, &got[0])
			case z:
				sumWideF64AVX512(f64(x), n, &got[0])
			default:
				sumWideF64AVX2(f64(x), n, &got[0])
			}
			sameBits(t, "sumWide lanes", n, want[:], got[:])
			want = [16]float64{}
			sqDevWideGo(x, 0.25, &want)
			switch {
			case is32[T]() && z:
				sqDevWideF32AVX512(f32(x), n, 0.25, &got[0])
			case is32[T]():
				sqDevWideF32AVX2(f32(x), n, 0.25, &got[0])
			case z:
				sqDevWideF64AVX512(f64(x), n, 0.25, &got[0])
			default:
				sqDevWideF64AVX2(f64(x), n, 0.25, &got[0])
			}
			sameBits(t, "sqDevWide lanes", n, want[:], got[:])
			wy, y := make([]T, n), make([]T, n)
			normAffineGo(wy, x, w, b, -0.5, 3.25)
			switch {
			case is32[T]() && z:
				normAffineF32AVX512(f32(y), f32(x), f32(w), f32(b), n, -0.5, 3.25)
			case is32[T]():
				normAffineF32AVX2(f32(y), f32(x), f32(w), f32(b), n, -0.5, 3.25)
			case z:
				normAffineF64AVX512(f64(y), f64(x), f64(w), f64(b), n, -0.5, 3.25)
			default:
				normAffineF64AVX2(f64(y), f64(x), f64(w), f64(b), n, -0.5, 3.25)
			}
			sameBits(t, "normAffine", n, wy, y)
		}
	}
}

// TestEachAddRows8Kernel runs the AVX2 and AVX-512 kernels of AddRows8
// directly against the scalar loop, bit for bit.
func TestEachAddRows8Kernel(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(25, 26))
	const n = 64
	var r32 [8][]float32
	var r64 [8][]float64
	var p32 [8]*float32
	var p64 [8]*float64
	for k := range 8 {
		_, r32[k] = mixed[float32](rng, n)
		_, r64[k] = mixed[float64](rng, n)
		p32[k], p64[k] = &r32[k][0], &r64[k][0]
	}
	w32, g32 := make([]float32, n), make([]float32, n)
	w64, g64 := make([]float64, n), make([]float64, n)
	for _, z := range []bool{false, true} {
		if z && !hasAVX512 {
			continue
		}
		for _, scaled := range []bool{false, true} {
			addRows8Go(w32, &r32, 0, 1.5, scaled)
			addRows8Go(w64, &r64, 0, 1.5, scaled)
			switch {
			case z && scaled:
				addRows8ScaledF32AVX512(&g32[0], &p32, n, 1.5)
				addRows8ScaledF64AVX512(&g64[0], &p64, n, 1.5)
			case z:
				addRows8F32AVX512(&g32[0], &p32, n)
				addRows8F64AVX512(&g64[0], &p64, n)
			case scaled:
				addRows8ScaledF32AVX2(&g32[0], &p32, n, 1.5)
				addRows8ScaledF64AVX2(&g64[0], &p64, n, 1.5)
			default:
				addRows8F32AVX2(&g32[0], &p32, n)
				addRows8F64AVX2(&g64[0], &p64, n)
			}
			sameBits(t, "float32 rows", n, w32, g32)
			sameBits(t, "float64 rows", n, w64, g64)
		}
	}
}
