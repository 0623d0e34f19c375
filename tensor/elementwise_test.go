package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestBroadcastShapes(t *testing.T) {
	tests := []struct {
		name string
		a, b []int
		want []int
		ok   bool
	}{
		{"scalar with scalar", []int{}, []int{}, []int{}, true},
		{"scalar with matrix", []int{}, []int{2, 3}, []int{2, 3}, true},
		{"matrix with scalar", []int{2, 3}, []int{}, []int{2, 3}, true},
		{"same", []int{2, 3}, []int{2, 3}, []int{2, 3}, true},
		{"row", []int{3}, []int{2, 3}, []int{2, 3}, true},
		{"row reversed", []int{2, 3}, []int{3}, []int{2, 3}, true},
		{"row as [1 3]", []int{1, 3}, []int{2, 3}, []int{2, 3}, true},
		{"column", []int{2, 1}, []int{2, 3}, []int{2, 3}, true},
		{"outer", []int{2, 1}, []int{1, 3}, []int{2, 3}, true},
		{"outer reversed", []int{1, 3}, []int{2, 1}, []int{2, 3}, true},
		{"leading dims", []int{4, 1, 3}, []int{2, 1}, []int{4, 2, 3}, true},
		{"leading dims both", []int{5, 1, 1}, []int{1, 4, 3}, []int{5, 4, 3}, true},
		{"rank 4 with vector", []int{2, 3, 4, 5}, []int{5}, []int{2, 3, 4, 5}, true},
		{"ones", []int{1, 1}, []int{1}, []int{1, 1}, true},
		{"empty with row", []int{0, 3}, []int{3}, []int{0, 3}, true},
		{"empty with one", []int{0}, []int{1}, []int{0}, true},
		{"one with empty", []int{1}, []int{0}, []int{0}, true},
		{"empty with scalar", []int{}, []int{2, 0}, []int{2, 0}, true},
		{"incompatible trailing", []int{2, 3}, []int{4}, nil, false},
		{"incompatible transposed", []int{2, 3}, []int{3, 2}, nil, false},
		{"incompatible leading", []int{2, 3, 4}, []int{3, 3, 4}, nil, false},
		{"incompatible middle", []int{4, 2, 3}, []int{4, 5, 3}, nil, false},
		{"empty with two", []int{0}, []int{2}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := append([]int{}, tc.a...), append([]int{}, tc.b...)
			got, ok := BroadcastShapes(a, b)
			if ok != tc.ok {
				t.Fatalf("BroadcastShapes(%v, %v) ok = %v, want %v", tc.a, tc.b, ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("BroadcastShapes(%v, %v) mismatch (-want +got):\n%s", tc.a, tc.b, diff)
			}
			if ok && len(got) > 0 {
				got[0] = -99 // must not alias the inputs
				if !SameShape(a, tc.a) || !SameShape(b, tc.b) {
					t.Errorf("the result aliases an input: a=%v b=%v", a, b)
				}
			}
			// Broadcasting is symmetric.
			rev, rok := BroadcastShapes(tc.b, tc.a)
			if rok != tc.ok || !cmp.Equal(tc.want, rev, cmpopts.EquateEmpty()) {
				t.Errorf("BroadcastShapes(%v, %v) = %v, %v; not symmetric", tc.b, tc.a, rev, rok)
			}
		})
	}
}

// binaryOps lists the broadcasting binary kernels with their references.
var binaryOps = []struct {
	name string
	ref  func(x, y float64) float64
}{
	{"Add", func(x, y float64) float64 { return x + y }},
	{"Sub", func(x, y float64) float64 { return x - y }},
	{"Mul", func(x, y float64) float64 { return x * y }},
	{"Div", func(x, y float64) float64 { return x / y }},
}

func binaryFunc[T Float](name string) func(a, b *Tensor[T]) *Tensor[T] {
	switch name {
	case "Add":
		return Add[T]
	case "Sub":
		return Sub[T]
	case "Mul":
		return Mul[T]
	case "Div":
		return Div[T]
	}
	panic("unknown op " + name)
}

// binaryShapeCases are operand shape pairs that broadcast, with the result.
var binaryShapeCases = []struct {
	name string
	a, b []int
	out  []int
}{
	{"same shape", []int{2, 3}, []int{2, 3}, []int{2, 3}},
	{"same shape 3-D", []int{2, 3, 4}, []int{2, 3, 4}, []int{2, 3, 4}},
	{"scalar with matrix", []int{}, []int{2, 3}, []int{2, 3}},
	{"matrix with scalar", []int{2, 3}, []int{}, []int{2, 3}},
	{"row [3] with [2 3]", []int{3}, []int{2, 3}, []int{2, 3}},
	{"[2 3] with row [3]", []int{2, 3}, []int{3}, []int{2, 3}},
	{"column [2 1] with [2 3]", []int{2, 1}, []int{2, 3}, []int{2, 3}},
	{"[2 3] with column [2 1]", []int{2, 3}, []int{2, 1}, []int{2, 3}},
	{"[2 1] with [1 3]", []int{2, 1}, []int{1, 3}, []int{2, 3}},
	{"[1 3] with [2 1]", []int{1, 3}, []int{2, 1}, []int{2, 3}},
	{"3-D with row", []int{4, 2, 3}, []int{3}, []int{4, 2, 3}},
	{"3-D with matrix", []int{4, 2, 3}, []int{2, 3}, []int{4, 2, 3}},
	{"3-D with column", []int{4, 2, 3}, []int{2, 1}, []int{4, 2, 3}},
	{"[4 1 3] with [2 1]", []int{4, 1, 3}, []int{2, 1}, []int{4, 2, 3}},
	{"[1 2 1] with [3 1 4]", []int{1, 2, 1}, []int{3, 1, 4}, []int{3, 2, 4}},
	{"3-D with scalar", []int{2, 3, 4}, []int{}, []int{2, 3, 4}},
	{"4-D leading", []int{2, 1, 3, 1}, []int{4, 1, 5}, []int{2, 4, 3, 5}},
	{"0-d with 0-d", []int{}, []int{}, []int{}},
	{"[1] with 0-d", []int{1}, []int{}, []int{1}},
	{"[1 1] with [1]", []int{1, 1}, []int{1}, []int{1, 1}},
	{"single column broadcast last axis", []int{3, 1}, []int{3, 1}, []int{3, 1}},
	{"empty [0 3] with [3]", []int{0, 3}, []int{3}, []int{0, 3}},
	{"empty [0 3] with [0 3]", []int{0, 3}, []int{0, 3}, []int{0, 3}},
	{"empty [2 0] with [2 1]", []int{2, 0}, []int{2, 1}, []int{2, 0}},
	{"empty [0] with scalar", []int{0}, []int{}, []int{0}},
}

func TestBinaryBroadcast(t *testing.T) {
	t.Run("float64", testBinaryBroadcast[float64])
	t.Run("float32", testBinaryBroadcast[float32])
}

func testBinaryBroadcast[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sc := range binaryShapeCases {
		aData := randData[T](rng, numel(sc.a))
		bData := randNonZero[T](rng, numel(sc.b))
		for _, op := range binaryOps {
			t.Run(op.name+"/"+sc.name, func(t *testing.T) {
				a := MustNew(append([]T(nil), aData...), sc.a...)
				b := MustNew(append([]T(nil), bData...), sc.b...)
				got := binaryFunc[T](op.name)(a, b)
				want := naiveBinary(sc.out, sc.a, toF64(aData), sc.b, toF64(bData), op.ref)
				checkTensor(t, op.name, got, sc.out, want, tolFor[T]())
				// Inputs are untouched and the result has its own storage.
				checkTensor(t, "a after op", a, sc.a, toF64(aData), 0)
				checkTensor(t, "b after op", b, sc.b, toF64(bData), 0)
				for i := range got.Data() {
					got.Data()[i] = 1e6
				}
				checkTensor(t, "a after writing result", a, sc.a, toF64(aData), 0)
				checkTensor(t, "b after writing result", b, sc.b, toF64(bData), 0)
			})
		}
	}
}

// TestBinaryBroadcastRandom checks Add/Sub/Mul/Div on random broadcasting
// shape pairs of rank up to 4 against the naive reference.
func TestBinaryBroadcastRandom(t *testing.T) {
	t.Run("float64", testBinaryBroadcastRandom[float64])
	t.Run("float32", testBinaryBroadcastRandom[float32])
}

func testBinaryBroadcastRandom[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 200; iter++ {
		rank := rng.IntN(5)
		out := make([]int, rank)
		for i := range out {
			out[i] = 1 + rng.IntN(4)
		}
		// Each operand drops some leading axes and sets some axes to 1.
		derive := func() []int {
			s := append([]int{}, out[rng.IntN(rank+1):]...)
			for i := range s {
				if rng.IntN(3) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		as, bs := derive(), derive()
		wantShape, ok := BroadcastShapes(as, bs)
		if !ok {
			t.Fatalf("BroadcastShapes(%v, %v) failed", as, bs)
		}
		aData, bData := randData[T](rng, numel(as)), randNonZero[T](rng, numel(bs))
		a, b := MustNew(aData, as...), MustNew(bData, bs...)
		for _, op := range binaryOps {
			got := binaryFunc[T](op.name)(a, b)
			want := naiveBinary(wantShape, as, toF64(aData), bs, toF64(bData), op.ref)
			if d := diffTensor(got, wantShape, want, tolFor[T]()); d != "" {
				t.Errorf("%s(%v, %v) mismatch (-want +got):\n%s", op.name, as, bs, d)
			}
		}
	}
}

func TestBinaryValues(t *testing.T) {
	m := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	row := MustNew([]float64{10, 20, 30}, 3)
	col := MustNew([]float64{100, 200}, 2, 1)
	ten := Scalar(10.0)
	tests := []struct {
		name  string
		got   *Tensor[float64]
		shape []int
		want  []float64
	}{
		{"m + row", Add(m, row), []int{2, 3}, []float64{11, 22, 33, 14, 25, 36}},
		{"row + m", Add(row, m), []int{2, 3}, []float64{11, 22, 33, 14, 25, 36}},
		{"m + col", Add(m, col), []int{2, 3}, []float64{101, 102, 103, 204, 205, 206}},
		{"col - row", Sub(col, row.Reshape(1, 3)), []int{2, 3}, []float64{90, 80, 70, 190, 180, 170}},
		{"10 - m", Sub(ten, m), []int{2, 3}, []float64{9, 8, 7, 6, 5, 4}},
		{"m - 10", Sub(m, ten), []int{2, 3}, []float64{-9, -8, -7, -6, -5, -4}},
		{"m * row", Mul(m, row), []int{2, 3}, []float64{10, 40, 90, 40, 100, 180}},
		{"10 / m", Div(ten, m), []int{2, 3}, []float64{10, 5, 10.0 / 3, 2.5, 2, 10.0 / 6}},
		{"m / col", Div(m, col), []int{2, 3}, []float64{0.01, 0.02, 0.03, 0.02, 0.025, 0.03}},
		{"scalar + scalar", Add(Scalar(1.5), Scalar(2.0)), []int{}, []float64{3.5}},
		{"1 / 0", Div(Scalar(1.0), Scalar(0.0)), []int{}, []float64{math.Inf(1)}},
		{"0 / 0", Div(Scalar(0.0), Scalar(0.0)), []int{}, []float64{math.NaN()}},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got, tc.shape, tc.want, 1e-15)
	}
}

func TestBinaryShapePanics(t *testing.T) {
	tests := []struct {
		a, b []int
	}{
		{[]int{2, 3}, []int{4}},
		{[]int{2, 3}, []int{3, 2}},
		{[]int{2, 3, 4}, []int{3, 3, 4}},
		{[]int{0}, []int{2}},
	}
	for _, tc := range tests {
		for _, op := range binaryOps {
			want := fmt.Sprintf("tensor: %s: shapes do not broadcast: %v x %v", op.name, tc.a, tc.b)
			t.Run(want, func(t *testing.T) {
				wantShapePanic(t, want, func() {
					binaryFunc[float64](op.name)(Zeros[float64](tc.a...), Zeros[float64](tc.b...))
				})
			})
		}
	}
	// The exact message from the package documentation.
	wantShapePanic(t, "tensor: Add: shapes do not broadcast: [2 3] x [4]", func() {
		Add(Zeros[float32](2, 3), Zeros[float32](4))
	})
	se := shapePanic(t, func() { Mul(Zeros[float64](2, 3), Zeros[float64](4)) })
	if se != nil {
		if se.Pkg != "tensor" || se.Op != "Mul" || se.Reason != "shapes do not broadcast" {
			t.Errorf("ShapeError fields = %q %q %q", se.Pkg, se.Op, se.Reason)
		}
		if diff := cmp.Diff([][]int{{2, 3}, {4}}, se.Shapes); diff != "" {
			t.Errorf("Shapes mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestNaNPropagatesThroughAdd(t *testing.T) {
	nan := math.NaN()
	x := MustNew([]float64{1, nan, 3, 4, 5, 6}, 2, 3)
	checkTensor(t, "Add same shape", Add(x, Ones[float64](2, 3)), []int{2, 3}, []float64{2, nan, 4, 5, 6, 7}, 0)
	checkTensor(t, "Add row", Add(x, MustNew([]float64{1, 1, 1}, 3)), []int{2, 3}, []float64{2, nan, 4, 5, 6, 7}, 0)
	checkTensor(t, "Add NaN scalar", Add(Ones[float64](2), Scalar(nan)), []int{2}, []float64{nan, nan}, 0)
	checkTensor(t, "Mul NaN by 0", Mul(Scalar(nan), Zeros[float64](2)), []int{2}, []float64{nan, nan}, 0)
}

func TestAddInPlace(t *testing.T) {
	t.Run("float64", testAddInPlace[float64])
	t.Run("float32", testAddInPlace[float32])
}

func testAddInPlace[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		dst, src []int
	}{
		{[]int{2, 3}, []int{2, 3}},
		{[]int{2, 3}, []int{3}},
		{[]int{2, 3}, []int{1, 3}},
		{[]int{2, 3}, []int{2, 1}},
		{[]int{2, 3}, []int{}},
		{[]int{2, 3}, []int{1, 1}},
		{[]int{4, 2, 3}, []int{2, 3}},
		{[]int{4, 2, 3}, []int{4, 1, 3}},
		{[]int{4, 2, 3}, []int{1, 2, 1}},
		{[]int{4, 2, 3}, []int{2, 1}},
		{[]int{}, []int{}},
		{[]int{3, 1}, []int{1}},
		{[]int{0, 3}, []int{3}},
		{[]int{0, 3}, []int{0, 3}},
	}
	for _, alpha := range []float64{1, -0.5, 0} {
		for _, tc := range cases {
			name := fmt.Sprintf("alpha=%v/%v+=%v", alpha, tc.dst, tc.src)
			t.Run(name, func(t *testing.T) {
				d0 := randData[T](rng, numel(tc.dst))
				s0 := randData[T](rng, numel(tc.src))
				dst := MustNew(append([]T(nil), d0...), tc.dst...)
				src := MustNew(append([]T(nil), s0...), tc.src...)
				if alpha == 1 {
					dst.AddInPlace(src)
				} else {
					dst.AddScaledInPlace(T(alpha), src)
				}
				want := naiveBinary(tc.dst, tc.dst, toF64(d0), tc.src, toF64(s0), func(x, y float64) float64 { return x + alpha*y })
				checkTensor(t, "dst", dst, tc.dst, want, tolFor[T]())
				checkTensor(t, "src", src, tc.src, toF64(s0), 0)
			})
		}
	}

	// Adding a tensor to itself doubles it.
	x := MustNew([]T{1, 2, 3}, 3)
	x.AddInPlace(x)
	checkTensor(t, "x += x", x, []int{3}, []float64{2, 4, 6}, 0)

	// Accumulating twice.
	g := Zeros[T](2, 2)
	g.AddInPlace(Ones[T](2))
	g.AddScaledInPlace(3, MustNew([]T{1, 2}, 2, 1))
	checkTensor(t, "accumulate", g, []int{2, 2}, []float64{4, 4, 7, 7}, 0)
}

func TestAddInPlacePanics(t *testing.T) {
	tests := []struct {
		dst, src []int
	}{
		{[]int{3}, []int{2, 3}},
		{[]int{2, 3}, []int{2}},
		{[]int{2, 3}, []int{4}},
		{[]int{2, 3}, []int{3, 3}},
		{[]int{2, 1}, []int{2, 3}},
		{[]int{}, []int{1}},
		{[]int{0, 3}, []int{2, 3}},
	}
	for _, tc := range tests {
		want := fmt.Sprintf("tensor: AddInPlace: source does not broadcast to destination: %v x %v", tc.dst, tc.src)
		t.Run(want, func(t *testing.T) {
			d0 := seq[float64](numel(tc.dst))
			dst := MustNew(append([]float64(nil), d0...), tc.dst...)
			wantShapePanic(t, want, func() { dst.AddInPlace(Ones[float64](tc.src...)) })
			// AddScaledInPlace panics the same way (it reports itself as AddInPlace).
			se := shapePanic(t, func() { dst.AddScaledInPlace(2, Ones[float64](tc.src...)) })
			if se != nil && se.Reason != "source does not broadcast to destination" {
				t.Errorf("AddScaledInPlace reason = %q", se.Reason)
			}
			checkTensor(t, "dst after panic", dst, tc.dst, d0, 0)
		})
	}
}

func TestUnary(t *testing.T) {
	t.Run("float64", testUnary[float64])
	t.Run("float32", testUnary[float32])
}

func testUnary[T Float](t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	e := math.E
	tol := tolFor[T]()
	tests := []struct {
		name string
		f    func(*Tensor[T]) *Tensor[T]
		in   []float64
		want []float64
	}{
		{"Exp", Exp[T], []float64{0, 1, -1, 2, -50, nan}, []float64{1, e, 1 / e, e * e, math.Exp(-50), nan}},
		{"Log", Log[T], []float64{1, e, 0.5, 0, -1, inf, nan}, []float64{0, 1, math.Log(0.5), -inf, nan, inf, nan}},
		{"Tanh", Tanh[T], []float64{0, 1, -1, 20, -20, 1000, -1000, nan}, []float64{0, math.Tanh(1), -math.Tanh(1), 1, -1, 1, -1, nan}},
		{"Sigmoid", Sigmoid[T], []float64{0, 1, -1, 2, 1000, -1000, 40, -40, nan},
			[]float64{0.5, 1 / (1 + 1/e), 1 / (1 + e), 1 / (1 + math.Exp(-2)), 1, 0, 1 / (1 + math.Exp(-40)), math.Exp(-40) / (1 + math.Exp(-40)), nan}},
		{"ReLU", ReLU[T], []float64{-2, -0.5, 0, 0.5, 3, -inf, inf, nan}, []float64{0, 0, 0, 0.5, 3, 0, inf, nan}},
		{"Step", Step[T], []float64{-2, -1e-30, 0, 1e-30, 3, -inf, inf, nan}, []float64{0, 0, 0, 1, 1, 0, 1, 0}},
		{"Neg", Neg[T], []float64{-2, 0, 1.5, inf, nan}, []float64{2, 0, -1.5, -inf, nan}},
		{"Scale 2.5", func(x *Tensor[T]) *Tensor[T] { return Scale(x, T(2.5)) }, []float64{-2, 0, 1.5, nan}, []float64{-5, 0, 3.75, nan}},
		{"Scale 0", func(x *Tensor[T]) *Tensor[T] { return Scale(x, T(0)) }, []float64{-2, 1.5}, []float64{0, 0}},
		{"Pow 1", func(x *Tensor[T]) *Tensor[T] { return Pow(x, T(1)) }, []float64{-2, 0, 1.5, nan}, []float64{-2, 0, 1.5, nan}},
		{"Pow 2", func(x *Tensor[T]) *Tensor[T] { return Pow(x, T(2)) }, []float64{-3, 0.5, 0, 4, nan}, []float64{9, 0.25, 0, 16, nan}},
		{"Pow 0.5", func(x *Tensor[T]) *Tensor[T] { return Pow(x, T(0.5)) }, []float64{4, 2, 0, 0.25, -1}, []float64{2, math.Sqrt2, 0, 0.5, nan}},
		{"Pow 3", func(x *Tensor[T]) *Tensor[T] { return Pow(x, T(3)) }, []float64{-2, 1.5, 0, 10}, []float64{-8, 3.375, 0, 1000}},
		{"Pow -1", func(x *Tensor[T]) *Tensor[T] { return Pow(x, T(-1)) }, []float64{-2, 4, 0}, []float64{-0.5, 0.25, inf}},
		{"Pow 0", func(x *Tensor[T]) *Tensor[T] { return Pow(x, T(0)) }, []float64{-2, 4, 0}, []float64{1, 1, 1}},
		{"Map square plus one", func(x *Tensor[T]) *Tensor[T] { return Map(x, func(v T) T { return v*v + 1 }) }, []float64{-2, 0, 3}, []float64{5, 1, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := make([]T, len(tc.in))
			for i, v := range tc.in {
				in[i] = T(v)
			}
			x := MustNew(append([]T(nil), in...), len(in))
			got := tc.f(x)
			checkTensor(t, tc.name, got, []int{len(in)}, tc.want, tol)
			for i, v := range got.Data() {
				if tc.name == "Sigmoid" && !math.IsNaN(tc.in[i]) && (math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v < 0 || v > 1) {
					t.Errorf("Sigmoid(%v) = %v, want a finite value in [0, 1]", tc.in[i], v)
				}
			}
			// The input is untouched and the output is a new tensor.
			checkTensor(t, "input", x, []int{len(in)}, toF64(in), 0)
			if len(in) > 0 {
				got.Data()[0] = 12345
				if x.Data()[0] == 12345 {
					t.Errorf("%s returned a tensor that aliases its input", tc.name)
				}
			}
			// The shape is preserved for other ranks too.
			m := tc.f(MustNew(append([]T(nil), in...), 1, len(in), 1))
			checkTensor(t, tc.name+" 3-D", m, []int{1, len(in), 1}, tc.want, tol)
		})
	}

	// Sigmoid exact limits and symmetry.
	s := Sigmoid(MustNew([]T{1000, -1000}, 2))
	if s.Data()[0] != 1 || s.Data()[1] != 0 {
		t.Errorf("Sigmoid(±1000) = %v, want exactly [1 0]", s.Data())
	}
	xs := MustNew([]T{0.3, 1.7, 5, 12}, 4)
	sum := Add(Sigmoid(xs), Sigmoid(Neg(xs)))
	checkTensor(t, "sigmoid(x)+sigmoid(-x)", sum, []int{4}, []float64{1, 1, 1, 1}, tol)

	// 0-d and empty inputs.
	checkTensor(t, "Exp 0-d", Exp(Scalar(T(0))), []int{}, []float64{1}, 0)
	checkTensor(t, "ReLU empty", ReLU(Zeros[T](0, 2)), []int{0, 2}, nil, 0)
	checkTensor(t, "Pow 1 0-d", Pow(Scalar(T(3)), 1), []int{}, []float64{3}, 0)
}

func TestPowOneReturnsCopy(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4}, 2, 2)
	p := Pow(x, 1)
	if p == x {
		t.Fatalf("Pow(x, 1) returned x itself")
	}
	p.Set(100, 0, 0)
	x.Set(200, 1, 1)
	checkTensor(t, "x", x, []int{2, 2}, []float64{1, 2, 3, 200}, 0)
	checkTensor(t, "Pow(x, 1)", p, []int{2, 2}, []float64{100, 2, 3, 4}, 0)
}

func TestMapCallsOncePerElement(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	var seen []float64
	y := Map(x, func(v float64) float64 {
		seen = append(seen, v)
		return -v
	})
	if diff := cmp.Diff([]float64{1, 2, 3, 4, 5, 6}, seen); diff != "" {
		t.Errorf("Map visited (-want +got):\n%s", diff)
	}
	checkTensor(t, "Map", y, []int{3, 2}, []float64{-1, -2, -3, -4, -5, -6}, 0)
}
