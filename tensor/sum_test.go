package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// refSum is the reference for the accuracy tests: the sum of xs in float64
// with Neumaier's compensation, far more accurate than any float32 result.
func refSum[T Float](xs []T) float64 {
	var s, c float64
	for _, x := range xs {
		v := float64(x)
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
	}
	return s + c
}

// uniform01 returns n values uniform in [0, 1), exactly representable in T.
func uniform01[T Float](rng *rand.Rand, n int) []T {
	d := make([]T, n)
	for i := range d {
		d[i] = T(rng.Float32())
	}
	return d
}

// relErr is |got − want| / |want|.
func relErr[T Float](got T, want float64) float64 {
	return math.Abs(float64(got)-want) / math.Abs(want)
}

// TestSumAccuracy checks the accuracy that pairwise summation buys: float32
// Sum and Mean of 1e7 values in [0, 1) within 1e-6 relative of the exact
// result, where one float32 accumulator is off by about 2e-4.
func TestSumAccuracy(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1e7 elements; skipped with -short and under the race detector")
	}
	const n = 10_000_000
	rng := rand.New(rand.NewPCG(10, 4))
	data := uniform01[float32](rng, n)
	x := MustNew(data, n)
	want := refSum(data)

	var naive float32
	for _, v := range data {
		naive += v
	}
	if e := relErr(naive, want); e < 1e-5 {
		t.Fatalf("left-to-right float32 sum is off by only %.2g: the data do not test accuracy", e)
	}

	scalar := Zeros[float32]()
	SumToInto(scalar, x, 1, 0)
	tests := []struct {
		name string
		got  float32
		want float64
	}{
		{"Sum", Sum(x).Item(), want},
		{"Sum(axis 0)", Sum(x, 0).Item(), want},
		{"SumKeepDims", SumKeepDims(x).Item(), want},
		{"SumTo", SumTo(x).Item(), want},
		{"SumToInto", scalar.Item(), want},
		{"Mean", Mean(x).Item(), want / n},
		{"MeanKeepDims", MeanKeepDims(x, 0).Item(), want / n},
	}
	for _, tc := range tests {
		if e := relErr(tc.got, tc.want); e > 1e-6 {
			t.Errorf("%s of %d values in [0, 1): %v, want %v (relative error %.2g > 1e-6)", tc.name, n, tc.got, tc.want, e)
		}
	}
}

// TestAxisSumAccuracy checks sums along an outer axis (rows added
// elementwise) and along the last axis, 1e5 terms each, within 1e-6
// relative.
func TestAxisSumAccuracy(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1e7 elements; skipped with -short and under the race detector")
	}
	const long, short = 100_000, 100
	rng := rand.New(rand.NewPCG(3, 7))
	data := uniform01[float32](rng, long*short)
	// The float64 references, in one pass over the data each (a float64
	// sum of 1e5 such terms is exact to about 1e-12).
	cols, rows := make([]float64, short), make([]float64, short)
	for i, v := range data {
		cols[i%short] += float64(v)
		rows[i/long] += float64(v)
	}
	tests := []struct {
		name     string
		from, to []int
		want     []float64
	}{
		{"[1e5 100]->[100]", []int{long, short}, []int{short}, cols},
		{"[100 1e5]->[100 1]", []int{short, long}, []int{short, 1}, rows},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := MustNew(data, tc.from...)
			got := SumTo(x, tc.to...)
			into := Full(float32(math.NaN()), tc.to...)
			SumToInto(into, x, 1, 0)
			for j, v := range got.Data() {
				want := tc.want[j]
				if e := relErr(v, want); e > 1e-6 {
					t.Fatalf("output %d: %v, want %v (relative error %.2g > 1e-6)", j, v, want, e)
				}
				if w := into.Data()[j]; math.Float32bits(w) != math.Float32bits(v) {
					t.Fatalf("output %d: SumToInto gives %v, SumTo %v", j, w, v)
				}
			}
		})
	}
}

// TestVarianceTwoPassAccuracy checks the two-pass variance that
// autograd's Variance composes from these reductions (MeanKeepDims, then
// the sum of the squared deviations) on 1e6 float32 values.
func TestVarianceTwoPassAccuracy(t *testing.T) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(5, 5))
	data := uniform01[float32](rng, n)
	for i := range data {
		data[i] += 3
	}
	x := MustNew(data, n)
	d := Sub(x, MeanKeepDims(x))
	got := Sum(Mul(d, d)).Item() / n

	mean := refSum(data) / n
	sq := make([]float64, n)
	for i, v := range data {
		sq[i] = (float64(v) - mean) * (float64(v) - mean)
	}
	want := refSum(sq) / n
	if e := relErr(got, want); e > 1e-6 {
		t.Errorf("two-pass float32 variance of %d values: %v, want %v (relative error %.2g > 1e-6)", n, got, want, e)
	}
}

// sameBits reports whether a and b hold the same bits, element for element.
func sameBits[T Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

// TestSumDeterministic checks that the bits of a reduction depend only on
// the shapes and values: not on GOMAXPROCS, nor on where the data start in
// memory (every offset within a cache line).
func TestSumDeterministic(t *testing.T) {
	tests := []struct{ from, to []int }{
		{[]int{1 << 17}, []int{}},
		{[]int{300, 301}, []int{301}},
		{[]int{300, 301}, []int{300, 1}},
		{[]int{9, 3, 50, 7}, []int{3, 1, 1}},
		{[]int{9, 3, 50, 7}, []int{1, 50, 1}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v->%v", tc.from, tc.to), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(8, 1))
			data := randData[float32](rng, numel(tc.from))
			run := func(off, procs int) []float32 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				buf := make([]float32, len(data)+off)
				copy(buf[off:], data)
				x := MustNew(buf[off:], tc.from...)
				got := SumTo(x, tc.to...)
				into := Zeros[float32](tc.to...)
				SumToInto(into, x, 1, 0)
				if !sameBits(got.Data(), into.Data()) {
					t.Errorf("offset %d: SumToInto %v differs from SumTo %v", off, into.Data()[:1], got.Data()[:1])
				}
				return got.Data()
			}
			want := run(0, 1)
			if got := run(0, 2); !sameBits(got, want) {
				t.Errorf("GOMAXPROCS 2 gives other bits than GOMAXPROCS 1")
			}
			for off := 1; off < 16; off++ {
				if got := run(off, 2); !sameBits(got, want) {
					t.Errorf("data at offset %d elements give other bits", off)
				}
			}
		})
	}
}

// TestSumSpecialValues checks IEEE semantics through every path (a
// contiguous run, rows added elementwise, runs along the last axis of
// several rows): NaN anywhere gives NaN, +Inf and −Inf give NaN, a sum of
// −0s is −0, and a sum of nothing is +0.
func TestSumSpecialValues(t *testing.T) {
	nan, inf, negZero := math.NaN(), math.Inf(1), math.Copysign(0, -1)
	fill := func(n int, v float64, at map[int]float64) []float32 {
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(v)
			if w, ok := at[i]; ok {
				d[i] = float32(w)
			}
		}
		return d
	}
	for _, n := range []int{1, 2, 7, 8, 9, 16, 127, 128, 129, 300, 1000, 4099} {
		tests := []struct {
			name string
			data []float32
			want float64
		}{
			{"ones", fill(n, 1, nil), float64(n)},
			{"all -0", fill(n, negZero, nil), negZero},
			{"-0s and one +0", fill(n, negZero, map[int]float64{n / 2: 0}), 0},
			{"NaN first", fill(n, 1, map[int]float64{0: nan}), nan},
			{"NaN last", fill(n, 1, map[int]float64{n - 1: nan}), nan},
			{"NaN in the middle", fill(n, 1, map[int]float64{n / 2: nan}), nan},
			{"+Inf", fill(n, 1, map[int]float64{n / 3: inf}), inf},
			{"-Inf", fill(n, 1, map[int]float64{n - 1: -inf}), -inf},
			{"+Inf and -Inf", fill(n, 1, map[int]float64{0: -inf, n - 1: inf}), nan},
		}
		for _, tc := range tests {
			if n == 1 && tc.name == "+Inf and -Inf" {
				continue
			}
			name := fmt.Sprintf("%s/n=%d", tc.name, n)
			// A column of [n 3] (rows), a row of [3 n] (a run) and the
			// whole of [n] (a run), each also scaled by 2 in SumToInto.
			wide := make([]float32, 3*n)
			for i, v := range tc.data {
				wide[3*i+1] = v
			}
			tall := make([]float32, 3*n)
			copy(tall[n:], tc.data)
			paths := []struct {
				name string
				x    *Tensor[float32]
				to   []int
				at   int // the output that sums tc.data; the others sum +0s
			}{
				{"[n]->[]", MustNew(tc.data, n), []int{}, 0},
				{"[n 3]->[3]", MustNew(wide, n, 3), []int{3}, 1},
				{"[3 n]->[3 1]", MustNew(tall, 3, n), []int{3, 1}, 1},
				{"[1 n 1]->[1 1]", MustNew(tc.data, 1, n, 1), []int{1, 1}, 0},
			}
			for _, p := range paths {
				got := SumTo(p.x, p.to...)
				checkSpecial(t, name+"/SumTo"+p.name, got.Data()[p.at], tc.want)
				if p.x.Len() == n {
					checkSpecial(t, name+"/Sum"+p.name, Sum(p.x).Item(), tc.want)
				}
				into := Full(float32(nan), p.to...)
				SumToInto(into, p.x, 2, 0)
				checkSpecial(t, name+"/SumToInto(alpha 2)"+p.name, into.Data()[p.at], 2*tc.want)
				if p.at > 0 {
					checkSpecial(t, name+"/SumTo"+p.name+" other output", got.Data()[0], 0)
				}
			}
		}
	}
}

// checkSpecial fails the test unless got is want, telling NaN by NaN and
// −0 by its sign.
func checkSpecial(t *testing.T, name string, got float32, want float64) {
	t.Helper()
	g := float64(got)
	switch {
	case math.IsNaN(want):
		if !math.IsNaN(g) {
			t.Errorf("%s = %v, want NaN", name, g)
		}
	case g != want || math.Signbit(g) != math.Signbit(want):
		t.Errorf("%s = %v (sign bit %v), want %v (sign bit %v)", name, g, math.Signbit(g), want, math.Signbit(want))
	}
}

// TestSumEmpty checks reductions with nothing to sum: zeros, and NaN for a
// mean (0/0).
func TestSumEmpty(t *testing.T) {
	tests := []struct {
		name string
		got  *Tensor[float32]
		want []float64
		to   []int
	}{
		{"Sum([0])", Sum(Zeros[float32](0)), []float64{0}, []int{}},
		{"Mean([0])", Mean(Zeros[float32](0)), []float64{math.NaN()}, []int{}},
		{"SumTo([0 3] -> [3])", SumTo(Zeros[float32](0, 3), 3), []float64{0, 0, 0}, []int{3}},
		{"Sum([2 0], 1)", Sum(Zeros[float32](2, 0), 1), []float64{0, 0}, []int{2}},
		{"Mean([2 0], 1)", Mean(Zeros[float32](2, 0), 1), []float64{math.NaN(), math.NaN()}, []int{2}},
		{"Sum([0 2], 1)", Sum(Zeros[float32](0, 2), 1), nil, []int{0}},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got, tc.to, tc.want, 0)
	}
	// SumToInto overwrites (beta 0, even NaN) or scales (beta) its target.
	d := Full(float32(math.NaN()), 3)
	SumToInto(d, Zeros[float32](0, 3), 1, 0)
	checkTensor(t, "SumToInto([0 3] -> [3], beta 0)", d, []int{3}, []float64{0, 0, 0}, 0)
	d = MustNew([]float32{1, 2, 3}, 3)
	SumToInto(d, Zeros[float32](0, 3), 1, 0.5)
	checkTensor(t, "SumToInto([0 3] -> [3], beta 0.5)", d, []int{3}, []float64{0.5, 1, 1.5}, 0)
}

// TestSumToProperty checks SumTo on random shapes and targets against a
// float64 reference, within the error bound of the summation order, and
// SumToInto against SumTo, Scale and Add bit for bit.
func TestSumToProperty(t *testing.T) {
	t.Run("float32", func(t *testing.T) { rapid.Check(t, checkSumToProperty[float32]) })
	t.Run("float64", func(t *testing.T) { rapid.Check(t, checkSumToProperty[float64]) })
}

func checkSumToProperty[T Float](rt *rapid.T) {
	const maxElems = 1 << 16
	rank := rapid.IntRange(0, 4).Draw(rt, "rank")
	from := make([]int, rank)
	total := 1
	for i := range from {
		d := rapid.OneOf(rapid.IntRange(0, 6), rapid.IntRange(7, 700)).Draw(rt, fmt.Sprintf("dim%d", i))
		d = min(d, maxElems/max(total, 1))
		from[i], total = d, total*d
	}
	lead := rapid.IntRange(0, rank).Draw(rt, "dropped")
	to := append([]int{}, from[lead:]...)
	for i := range to {
		if rapid.Bool().Draw(rt, fmt.Sprintf("reduce%d", i)) {
			to[i] = 1
		}
	}
	rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 1))
	data := randData[T](rng, numel(from))
	x := MustNew(data, from...)

	got := SumTo(x, to...)
	want := naiveSumTo(from, toF64(data), to)
	abs := make([]float64, len(data))
	for i, v := range data {
		abs[i] = math.Abs(float64(v))
	}
	mag := naiveSumTo(from, abs, to)
	count := float64(numel(from)) / float64(max(numel(to), 1))
	eps := 0x1p-52
	if _, ok := any(got.Data()).([]float32); ok {
		eps = 0x1p-23
	}
	// Each term passes through at most 32 + 2·log2(count) additions in the
	// order of sum.go, each with a relative error of at most eps/2.
	depth := 32 + 2*math.Log2(count+1)
	for j, g := range got.Data() {
		if bound := depth * eps * mag[j]; math.Abs(float64(g)-want[j]) > bound {
			rt.Fatalf("SumTo(%v -> %v)[%d] = %v, want %v within %g", from, to, j, g, want[j], bound)
		}
	}

	alpha := rapid.SampledFrom([]T{1, 0.5, -1.25, 3}).Draw(rt, "alpha")
	beta := rapid.SampledFrom([]T{0, 1, 0.75}).Draw(rt, "beta")
	old := randData[T](rng, numel(to))
	dst := MustNew(append([]T{}, old...), to...)
	if beta == 0 {
		for i := range dst.Data() {
			dst.Data()[i] = T(math.NaN())
		}
	}
	SumToInto(dst, x, alpha, beta)
	wantInto := SumTo(Scale(x, alpha), to...)
	if beta != 0 {
		wantInto = Add(Scale(MustNew(old, to...), beta), wantInto)
	}
	if !sameBits(dst.Data(), wantInto.Data()) {
		rt.Fatalf("SumToInto(%v -> %v, alpha %v, beta %v) = %v, want the bits of %v", from, to, alpha, beta, dst.Data(), wantInto.Data())
	}
}

// TestExpSum checks softmax's exponentials and denominator against package
// math, across the tile boundaries of the float32 path, with and without
// storing the exponentials (without, dst is left alone).
func TestExpSum(t *testing.T) {
	t.Run("float32", testExpSum[float32])
	t.Run("float64", testExpSum[float64])
}

func testExpSum[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{1, 7, 255, 256, 257, 1000, 3000} {
		x := randData[T](rng, n)
		x[n/2] = T(math.Inf(-1)) // e^-Inf = 0
		m := T(1.5)
		var want float64
		exps := make([]float64, n)
		for i, v := range x {
			exps[i] = math.Exp(float64(v) - float64(m))
			want += exps[i]
		}
		for _, store := range []bool{true, false} {
			dst := make([]T, n)
			for i := range dst {
				dst[i] = -7
			}
			got := expSum(dst, x, m, store)
			if e := math.Abs(got-want) / want; e > 1e-14 {
				t.Errorf("n=%d store=%v: sum %v, want %v (relative error %.2g)", n, store, got, want, e)
			}
			for i, d := range dst {
				w := T(-7)
				if store {
					w = T(exps[i])
				}
				if e := math.Abs(float64(d) - float64(w)); e > 4e-16*math.Abs(float64(w)) && d != w {
					t.Fatalf("n=%d store=%v: dst[%d] = %v, want %v", n, store, i, d, w)
				}
			}
		}
	}
}

// TestSumToIntoAllocatesNothing checks SumToInto's promise on every path
// (rows, runs, both, with and without scaling and beta), and that softmax's
// exponentials and sums need no scratch from the heap.
func TestSumToIntoAllocatesNothing(t *testing.T) {
	tests := []struct{ from, to []int }{
		{[]int{64, 10}, []int{10}},
		{[]int{64, 300}, []int{300}},
		{[]int{64, 10}, []int{}},
		{[]int{64, 10}, []int{64, 1}},
		{[]int{4, 5, 8, 8}, []int{5, 1, 1}},
		{[]int{4, 3, 5}, []int{4, 1, 5}},
	}
	for _, tc := range tests {
		src, dst := Ones[float32](tc.from...), Zeros[float32](tc.to...)
		for _, ab := range [][2]float32{{1, 0}, {2, 1}, {0.5, 0.25}} {
			if n := testing.AllocsPerRun(10, func() { SumToInto(dst, src, ab[0], ab[1]) }); n != 0 {
				t.Errorf("SumToInto(%v -> %v, alpha %v, beta %v): %v allocations, want 0", tc.from, tc.to, ab[0], ab[1], n)
			}
		}
	}
	for _, c := range []int{10, 1000} {
		x, probs := Ones[float32](8, c), Zeros[float32](8, c)
		labels, losses := make([]int, 8), make([]float32, 8)
		if n := testing.AllocsPerRun(10, func() { SoftmaxCrossEntropy(probs, x, labels, losses) }); n != 0 {
			t.Errorf("SoftmaxCrossEntropy([8 %d]): %v allocations, want 0", c, n)
		}
	}
}

// TestSoftmaxCrossEntropyLabelOutOfRange: a label outside [0, C) is a
// *ShapeError naming it, raised before probs or losses are written.
func TestSoftmaxCrossEntropyLabelOutOfRange(t *testing.T) {
	logits := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, tc := range []struct {
		labels []int
		msg    string
	}{
		{[]int{0, 3}, "tensor: SoftmaxCrossEntropy: label 3 of sample 1 outside [0, 3): [2 3]"},
		{[]int{-1, 0}, "tensor: SoftmaxCrossEntropy: label -1 of sample 0 outside [0, 3): [2 3]"},
	} {
		probs, losses := Full(7.0, 2, 3), []float64{7, 7}
		wantShapePanic(t, tc.msg, func() { SoftmaxCrossEntropy(probs, logits, tc.labels, losses) })
		if d := cmp.Diff(Full(7.0, 2, 3).Data(), probs.Data()); d != "" {
			t.Errorf("labels %v: probs written before the panic (-want +got):\n%s", tc.labels, d)
		}
		if d := cmp.Diff([]float64{7, 7}, losses); d != "" {
			t.Errorf("labels %v: losses written before the panic (-want +got):\n%s", tc.labels, d)
		}
	}
}

// BenchmarkSumToInto measures the unbroadcast of a gradient over the batch
// axis (a bias gradient), which every training step runs.
func BenchmarkSumToInto(b *testing.B) {
	for _, sh := range [][2]int{{256, 256}, {64, 784}} {
		b.Run(fmt.Sprintf("%dx%d", sh[0], sh[1]), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			src := MustNew(randData[float32](rng, sh[0]*sh[1]), sh[0], sh[1])
			dst := Zeros[float32](sh[1])
			b.SetBytes(int64(4 * sh[0] * sh[1]))
			for b.Loop() {
				SumToInto(dst, src, 1, 0)
			}
		})
	}
}

// BenchmarkSum measures a float32 Sum over the 1e6 elements of a vector.
func BenchmarkSum(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := MustNew(randData[float32](rng, 1_000_000), 1_000_000)
	b.SetBytes(4 * 1_000_000)
	for b.Loop() {
		Sum(x)
	}
}

// BenchmarkSoftmax measures softmax over the last axis (a row kernel with
// one exponential per element and an accurate denominator), and the fused
// softmax cross-entropy forward of a classifier's step; 512x64 is the
// attention-score shape of the tiny-GPT step (rows of the sequence length).
func BenchmarkSoftmax(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][2]int{{64, 1000}, {512, 64}, {64, 10}} {
		x := MustNew(randData[float32](rng, sh[0]*sh[1]), sh[0], sh[1])
		b.Run(fmt.Sprintf("Softmax/%dx%d", sh[0], sh[1]), func(b *testing.B) {
			b.SetBytes(int64(4 * sh[0] * sh[1]))
			for b.Loop() {
				Softmax(x, -1)
			}
		})
		b.Run(fmt.Sprintf("SoftmaxCrossEntropy/%dx%d", sh[0], sh[1]), func(b *testing.B) {
			probs, losses := Zeros[float32](sh[0], sh[1]), make([]float32, sh[0])
			labels := make([]int, sh[0])
			for i := range labels {
				labels[i] = i % sh[1]
			}
			b.SetBytes(int64(4 * sh[0] * sh[1]))
			for b.Loop() {
				SoftmaxCrossEntropy(probs, x, labels, losses)
			}
		})
	}
	// The tiny-GPT step's attention: 8·4 heads of 64×64 scores, each row
	// random up to the diagonal and −1e9 (the causal mask) after it.
	const heads, seq = 32, 64
	data := randData[float32](rng, heads*seq*seq)
	for i := range data {
		if r, c := i/seq%seq, i%seq; c > r {
			data[i] = -1e9
		}
	}
	x, dst := MustNew(data, heads*seq, seq), Zeros[float32](heads*seq, seq)
	b.Run("SoftmaxInto/causal2048x64", func(b *testing.B) {
		b.SetBytes(4 * heads * seq * seq)
		for b.Loop() {
			SoftmaxInto(dst, x, -1)
		}
	})
}
