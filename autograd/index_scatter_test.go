package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// scatterCase is one random case of TestScatterMatchesNaive: x's shape,
// the index (duplicates likely: the scattered axis is short), the source's
// shape (the index's, or larger), and the axis.
type scatterCase struct {
	x, src []int
	index  *tensor.Index
	axis   int
}

func randScatterCase(rng *rand.Rand) scatterCase {
	r := 1 + rng.IntN(3)
	x, ishape, src := make([]int, r), make([]int, r), make([]int, r)
	axis := rng.IntN(r)
	for d := range x {
		x[d] = 1 + rng.IntN(4)
		ishape[d] = rng.IntN(x[d] + 1)
		if d == axis {
			ishape[d] = rng.IntN(6)
		}
		src[d] = ishape[d]
		if rng.IntN(3) == 0 {
			src[d] += rng.IntN(3)
		}
	}
	n := 1
	for _, d := range ishape {
		n *= d
	}
	iv := make([]int, n)
	for i := range iv {
		iv[i] = rng.IntN(x[axis])
	}
	if rng.IntN(2) == 0 {
		axis -= r
	}
	return scatterCase{x: x, src: src, index: tensor.MustIndex(iv, ishape...), axis: axis}
}

// scatterSpecial are values the upstream gradient takes now and then: a
// negative zero (0 + g makes it +0 for a winner of Scatter), NaN and
// infinities, which must reach the gradients unchanged.
var scatterSpecial = []float64{math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 0}

func randSpecial[T autograd.Float](rng *rand.Rand, shape ...int) *tensor.Tensor[T] {
	t := tensor.RandUniform(rng, T(-2), 2, shape...)
	for i := range t.Data() {
		if rng.IntN(5) == 0 {
			t.Data()[i] = T(scatterSpecial[rng.IntN(len(scatterSpecial))])
		}
	}
	return t
}

// scatterSameBits reports whether a and b hold the same numbers bit for bit, the
// sign of zero included (any NaN equals any NaN).
func scatterSameBits[T autograd.Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		if math.IsNaN(x) && math.IsNaN(y) {
			continue
		}
		if x != y || math.Signbit(x) != math.Signbit(y) {
			return false
		}
	}
	return true
}

// naiveScatter returns Scatter's or ScatterAdd's value and the gradients of
// Sum(y·w) + Sum(x·wx) + Sum(src·ws) (wx, ws nil: no such term), written
// out pair by pair: the semantics Adjoint documents, last write wins.
func naiveScatter[T autograd.Float](add bool, c scatterCase, x, src, w, wx, ws *tensor.Tensor[T]) (y, gx, gs []T) {
	xo := tensor.AxisOffsets(make([]int, c.index.Len()), c.x, c.axis, c.index)
	so := tensor.BoxOffsets(make([]int, c.index.Len()), c.src, c.index.Shape())
	y = append([]T(nil), x.Data()...)
	gx = append([]T(nil), w.Data()...)
	gs = make([]T, src.Len())
	last := map[int]int{}
	for p, i := range xo {
		if add {
			y[i] += src.Data()[so[p]]
		} else {
			y[i] = src.Data()[so[p]]
			gx[i] = 0
		}
		last[i] = p
	}
	for p, i := range xo {
		var zero T
		if add {
			gs[so[p]] = zero + w.Data()[i]
		} else if last[i] == p {
			gs[so[p]] = zero + w.Data()[i]
		}
	}
	if wx != nil {
		for i := range gx {
			gx[i] += wx.Data()[i]
		}
	}
	if ws != nil {
		for i := range gs {
			gs[i] += ws.Data()[i]
		}
	}
	return y, gx, gs
}

// TestScatterMatchesNaive compares Scatter and ScatterAdd, value and fused
// derivative, with naiveScatter bit for bit over random cases: ranks 1 to
// 3, empty and size-1 axes, sources larger than the index, duplicates,
// NaN, infinities and -0 in the gradient, with x and src each needing a
// gradient or not, used once or twice (a gradient buffer that already
// holds gradient), plain and under an Arena, in float32 and float64.
func TestScatterMatchesNaive(t *testing.T) {
	t.Run("float64", testScatterMatchesNaive[float64])
	t.Run("float32", testScatterMatchesNaive[float32])
}

func testScatterMatchesNaive[T autograd.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ar := autograd.NewArena[T]()
	for trial := range 400 {
		c := randScatterCase(rng)
		add := trial%2 == 1
		needX, needS := trial/2%3 != 1, trial/2%3 != 2
		twice := trial/6%2 == 1
		arena := trial/12%2 == 1
		xt, st := tensor.RandUniform(rng, T(-2), 2, c.x...), tensor.RandUniform(rng, T(-2), 2, c.src...)
		w := randSpecial[T](rng, c.x...)
		var wx, ws *tensor.Tensor[T]
		if twice {
			wx, ws = randSpecial[T](rng, c.x...), randSpecial[T](rng, c.src...)
		}
		leaf := func(t *tensor.Tensor[T], need bool) *autograd.Var[T] {
			if need {
				return autograd.Param(t)
			}
			return autograd.Const(t)
		}
		x, src := leaf(xt, needX), leaf(st, needS)
		f := autograd.Scatter[T]
		if add {
			f = autograd.ScatterAdd[T]
		}
		xi, wv := x, autograd.Const(w)
		if arena {
			ar.Reset()
			xi, wv = ar.Use(x), ar.Const(w)
		}
		y := f(xi, c.axis, c.index, src)
		loss := autograd.Sum(autograd.Mul(y, wv))
		if twice {
			loss = autograd.Add(loss, autograd.Add(autograd.Sum(autograd.Mul(xi, autograd.Const(wx))), autograd.Sum(autograd.Mul(src, autograd.Const(ws)))))
		}
		name := fmt.Sprintf("trial %d add %t x %v src %v index %v axis %d needs %t/%t twice %t arena %t", trial, add, c.x, c.src, c.index.Shape(), c.axis, needX, needS, twice, arena)
		wantY, wantGx, wantGs := naiveScatter(add, c, xt, st, w, wx, ws)
		if !scatterSameBits(wantY, y.Value().Data()) {
			t.Fatalf("%s: value %v, want %v", name, y.Value().Data(), wantY)
		}
		if !needX && !needS {
			continue
		}
		loss.Backward()
		if needX && !scatterSameBits(wantGx, x.Grad().Data()) {
			t.Fatalf("%s: d/dx %v, want %v", name, x.Grad().Data(), wantGx)
		}
		if needS && !scatterSameBits(wantGs, src.Grad().Data()) {
			t.Fatalf("%s: d/dsrc %v, want %v", name, src.Grad().Data(), wantGs)
		}
	}
}

// TestScatterSourceIsInput scatters x into itself: both gradients land in
// one buffer.
func TestScatterSourceIsInput(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2))
	index := tensor.MustIndex([]int{1, 1, 0, 1}, 2, 2)
	w := autograd.Const(tensor.MustNew([]float64{10, 20, 30, 40}, 2, 2))
	y := autograd.Scatter(x, 1, index, x)
	autograd.Sum(autograd.Mul(y, w)).Backward()
	// y = [[1, 2], [3, 4]] → row 0 writes 1 then 2 at column 1; row 1
	// writes 3 at 0, 4 at 1. d/dx: w with written positions zeroed
	// ([10, 0], [0, 0]), plus the winners' gradients at their sources
	// ([0, 20], [30, 40]).
	if diff := cmp.Diff([]float64{1, 2, 3, 4}, y.Value().Data()); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{10, 20, 30, 40}, x.Grad().Data()); diff != "" {
		t.Errorf("d/dx (-want +got):\n%s", diff)
	}
}

// TestScatterFusedMatchesRecorded compares Backward's fused derivative of
// Scatter and ScatterAdd with the recorded one (Grad with CreateGraph), at
// duplicates and a source larger than the index.
func TestScatterFusedMatchesRecorded(t *testing.T) {
	idx := tensor.MustIndex([]int{2, 0, 1, 2, 0, 0, 2, 2}, 2, 4)
	for _, add := range []bool{false, true} {
		t.Run(fmt.Sprintf("add %t", add), func(t *testing.T) {
			mk := func() []*V { return []*V{autograd.Param(idxRand(3, 3, 4)), autograd.Param(idxRand(4, 2, 5))} }
			loss := func(in []*V) *V {
				y := autograd.Scatter(in[0], 0, idx, in[1])
				if add {
					y = autograd.ScatterAdd(in[0], 0, idx, in[1])
				}
				return autograd.Add(autograd.Sum(autograd.Mul(y, y)), autograd.Sum(autograd.Mul(in[0], in[0])))
			}
			fused := mk()
			loss(fused).Backward()
			rec := mk()
			gs := autograd.Grad([]*V{loss(rec)}, rec, autograd.CreateGraph())
			for i := range fused {
				if diff := cmp.Diff(gs[i].Value().Data(), fused[i].Grad().Data(), cmpopts.EquateApprox(1e-14, 1e-15)); diff != "" {
					t.Errorf("input %d: fused differs from recorded (-recorded +fused):\n%s", i, diff)
				}
			}
		})
	}
}

// TestScatterJVPAtDuplicates checks Scatter's forward mode where indices
// repeat: the tangent is x's where nothing is written and the last
// writer's elsewhere, as the value is.
func TestScatterJVPAtDuplicates(t *testing.T) {
	index := tensor.MustIndex([]int{1, 1, 0, 1}, 4)
	f := func(xs ...*V) *V { return autograd.Scatter(xs[0], 0, index, xs[1]) }
	x, src := tensor.MustNew([]float64{1, 2, 3}, 3), tensor.MustNew([]float64{4, 5, 6, 7, 8}, 5)
	tx, tsrc := tensor.MustNew([]float64{10, 20, 30}, 3), tensor.MustNew([]float64{40, 50, 60, 70, 80}, 5)
	value, tangent := autograd.JVP(f, []*tensor.Tensor[float64]{x, src}, []*tensor.Tensor[float64]{tx, tsrc})
	if diff := cmp.Diff([]float64{6, 7, 3}, value.Data()); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{60, 70, 30}, tangent.Data()); diff != "" {
		t.Errorf("tangent (-want +got):\n%s", diff)
	}
}

// TestScatterArenaAllocatesNothing covers the paths of Scatter's and
// ScatterAdd's derivatives that the op table's row does not: a source of
// the index's shape or larger, only x or only src needing a gradient, and
// x used twice (a gradient buffer already holding gradient), each with 0
// allocations per step under a warm Arena.
func TestScatterArenaAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	index := tensor.MustIndex([]int{2, 0, 1, 0, 0, 2}, 2, 3)
	for _, add := range []bool{false, true} {
		for _, srcCols := range []int{3, 5} {
			for _, need := range []string{"both", "x", "src", "x twice"} {
				t.Run(fmt.Sprintf("add %t src cols %d %s", add, srcCols, need), func(t *testing.T) {
					xv := autograd.Param(idxRand(1, 3, 4))
					sv := autograd.Param(idxRand(2, 2, srcCols))
					if need == "x" {
						sv = autograd.Const(idxRand(2, 2, srcCols))
					}
					if need == "src" {
						xv = autograd.Const(idxRand(1, 3, 4))
					}
					f := autograd.Scatter[float64]
					if add {
						f = autograd.ScatterAdd[float64]
					}
					ar := autograd.NewArena[float64]()
					step := func() {
						ar.Reset()
						x := ar.Use(xv)
						loss := autograd.Sum(f(x, 0, index, ar.Use(sv)))
						if need == "x twice" {
							loss = autograd.Add(loss, autograd.Sum(x))
						}
						loss.Backward()
						autograd.ZeroGrad(xv, sv)
					}
					for range 3 {
						step()
					}
					if n := mallocs(allocSteps, step); n != 0 {
						t.Errorf("%d allocations in %d steps under a warm Arena, want 0", n, allocSteps)
					}
				})
			}
		}
	}
}
