package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNew(t *testing.T) {
	t.Run("float64", testNew[float64])
	t.Run("float32", testNew[float32])
}

func testNew[T Float](t *testing.T) {
	x, err := New([]T{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil {
		t.Fatalf("New: unexpected error %v", err)
	}
	checkTensor(t, "New", x, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)
	if x.Len() != 6 || x.Dims() != 2 {
		t.Errorf("Len, Dims = %d, %d, want 6, 2", x.Len(), x.Dims())
	}
	if got := x.At(1, 2); got != 6 {
		t.Errorf("At(1, 2) = %v, want 6", got)
	}

	// 0-d: empty shape, exactly one element.
	s, err := New([]T{7})
	if err != nil {
		t.Fatalf("New 0-d: unexpected error %v", err)
	}
	checkTensor(t, "New 0-d", s, []int{}, []float64{7}, 0)
	if s.Dims() != 0 || s.Len() != 1 || s.Item() != 7 || s.At() != 7 {
		t.Errorf("0-d: Dims %d Len %d Item %v At() %v, want 0 1 7 7", s.Dims(), s.Len(), s.Item(), s.At())
	}

	// Empty tensors.
	e, err := New[T](nil, 0, 3)
	if err != nil {
		t.Fatalf("New([], 0, 3): unexpected error %v", err)
	}
	checkTensor(t, "New empty", e, []int{0, 3}, nil, 0)
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		data  []float64
		shape []int
		msg   string // exact message, or "" to check only the prefix
	}{
		{"too few", []float64{1, 2, 3, 4, 5}, []int{2, 3}, "tensor: New: data has 5 elements, shape needs 6: [2 3]"},
		{"too many", []float64{1, 2, 3, 4, 5, 6, 7}, []int{2, 3}, "tensor: New: data has 7 elements, shape needs 6: [2 3]"},
		{"negative first", nil, []int{-1, 3}, ""},
		{"negative last", []float64{1, 2}, []int{2, -1}, ""},
		{"negative with zero", nil, []int{0, -2}, ""},
		{"overflow", []float64{1}, []int{1 << 62, 1 << 62}, ""},
		{"overflow three axes", []float64{1}, []int{1 << 21, 1 << 21, 1 << 22}, ""},
		{"0-d without data", nil, nil, "tensor: New: data has 0 elements, shape needs 1: []"},
		{"0-d with two elements", []float64{1, 2}, []int{}, "tensor: New: data has 2 elements, shape needs 1: []"},
		{"empty shape with data", []float64{1}, []int{0}, "tensor: New: data has 1 elements, shape needs 0: [0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := New(tc.data, tc.shape...)
			if err == nil {
				t.Fatalf("New(%v, %v) = %v, want an error", tc.data, tc.shape, x)
			}
			if x != nil {
				t.Errorf("New returned a non-nil tensor %v with its error", x)
			}
			var se *ShapeError
			if !errors.As(err, &se) {
				t.Fatalf("error %T (%v) is not a *ShapeError", err, err)
			}
			if se.Pkg != "tensor" || se.Op != "New" {
				t.Errorf("Pkg, Op = %q, %q, want %q, %q", se.Pkg, se.Op, "tensor", "New")
			}
			if diff := cmp.Diff([][]int{tc.shape}, se.Shapes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Shapes mismatch (-want +got):\n%s", diff)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("message = %q, want %q", err.Error(), tc.msg)
			}
			if !strings.HasPrefix(err.Error(), "tensor: New: ") {
				t.Errorf("message %q does not start with %q", err.Error(), "tensor: New: ")
			}
		})
	}
}

func TestNewSharesDataCopiesShape(t *testing.T) {
	data := []float64{1, 2, 3, 4, 5, 6}
	shape := []int{2, 3}
	x, err := New(data, shape...)
	if err != nil {
		t.Fatal(err)
	}
	data[4] = 50
	if got := x.At(1, 1); got != 50 {
		t.Errorf("after writing data[4]: At(1, 1) = %v, want 50 (New must share data)", got)
	}
	x.Set(-1, 0, 2)
	if data[2] != -1 {
		t.Errorf("after Set(-1, 0, 2): data[2] = %v, want -1", data[2])
	}
	if &x.Data()[0] != &data[0] {
		t.Errorf("Data() does not return the slice given to New")
	}
	shape[0] = 3
	if diff := cmp.Diff([]int{2, 3}, x.Shape()); diff != "" {
		t.Errorf("tensor shape changed with the caller's slice (-want +got):\n%s", diff)
	}
}

func TestShapeError(t *testing.T) {
	tests := []struct {
		err  *ShapeError
		want string
	}{
		{&ShapeError{Pkg: "tensor", Op: "Add", Reason: "shapes do not broadcast", Shapes: [][]int{{2, 3}, {4}}}, "tensor: Add: shapes do not broadcast: [2 3] x [4]"},
		{&ShapeError{Op: "X", Reason: "r"}, "tensor: X: r"},
		{&ShapeError{Pkg: "autograd", Op: "Y", Reason: "r", Shapes: [][]int{{}}}, "autograd: Y: r: []"},
		{&ShapeError{Pkg: "tensor", Op: "Z", Reason: "r", Shapes: [][]int{{1}, {2}, {3, 4}}}, "tensor: Z: r: [1] x [2] x [3 4]"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestShapeErrorDoesNotAliasShape(t *testing.T) {
	x := Zeros[float64](2, 3)
	se := shapePanic(t, func() { Add(x, Zeros[float64](4)) })
	if se == nil {
		return
	}
	se.Shapes[0][0] = 99
	if diff := cmp.Diff([]int{2, 3}, x.Shape()); diff != "" {
		t.Errorf("mutating the error's shape changed the tensor (-want +got):\n%s", diff)
	}
}

func TestMustNew(t *testing.T) {
	x := MustNew([]float32{1, 2, 3, 4}, 2, 2)
	checkTensor(t, "MustNew", x, []int{2, 2}, []float64{1, 2, 3, 4}, 0)

	wantShapePanic(t, "tensor: New: data has 3 elements, shape needs 4: [2 2]", func() {
		MustNew([]float64{1, 2, 3}, 2, 2)
	})
	se := shapePanic(t, func() { MustNew([]float64{1}, -1) })
	if se != nil && se.Op != "New" {
		t.Errorf("MustNew negative dimension: Op = %q, want New", se.Op)
	}
}

func TestConstructors(t *testing.T) {
	t.Run("float64", testConstructors[float64])
	t.Run("float32", testConstructors[float32])
}

func testConstructors[T Float](t *testing.T) {
	checkTensor(t, "Zeros(2, 3)", Zeros[T](2, 3), []int{2, 3}, []float64{0, 0, 0, 0, 0, 0}, 0)
	checkTensor(t, "Zeros()", Zeros[T](), []int{}, []float64{0}, 0)
	checkTensor(t, "Zeros(2, 0, 3)", Zeros[T](2, 0, 3), []int{2, 0, 3}, nil, 0)
	checkTensor(t, "Ones(3)", Ones[T](3), []int{3}, []float64{1, 1, 1}, 0)
	checkTensor(t, "Ones()", Ones[T](), []int{}, []float64{1}, 0)
	checkTensor(t, "Full(2.5, 1, 2)", Full(T(2.5), 1, 2), []int{1, 2}, []float64{2.5, 2.5}, 0)
	checkTensor(t, "Full(-1, 0)", Full(T(-1), 0), []int{0}, nil, 0)
	checkTensor(t, "Scalar(4)", Scalar(T(4)), []int{}, []float64{4}, 0)
	if s := Scalar(T(4)); s.Dims() != 0 || s.Len() != 1 || s.Item() != 4 {
		t.Errorf("Scalar(4): Dims %d Len %d Item %v, want 0 1 4", s.Dims(), s.Len(), s.Item())
	}

	nan := Full(T(math.NaN()), 2)
	checkTensor(t, "Full(NaN, 2)", nan, []int{2}, []float64{math.NaN(), math.NaN()}, 0)

	// Each call returns a fresh tensor.
	a, b := Zeros[T](2), Zeros[T](2)
	a.Set(1, 0)
	if b.At(0) != 0 {
		t.Errorf("two Zeros tensors share storage")
	}

	shapePanic(t, func() { Zeros[T](2, -1) })
	shapePanic(t, func() { Ones[T](-3) })
	shapePanic(t, func() { Full(T(1), 1<<62, 1<<62) })
	shapePanic(t, func() { Zeros[T](1<<62, 1<<62) })
	// Within int, beyond what Go's runtime allocates (its panic is untyped).
	shapePanic(t, func() { Zeros[T](1 << 50) })
	shapePanic(t, func() { ZerosWith[int, T](1 << 50) })
}

func TestFillCopyFrom(t *testing.T) {
	x := Zeros[float64](2, 2)
	x.Fill(3)
	checkTensor(t, "Fill", x, []int{2, 2}, []float64{3, 3, 3, 3}, 0)

	src := MustNew([]float64{1, 2, 3, 4}, 2, 2)
	x.CopyFrom(src)
	checkTensor(t, "CopyFrom", x, []int{2, 2}, []float64{1, 2, 3, 4}, 0)
	src.Set(10, 0, 0)
	if x.At(0, 0) != 1 {
		t.Errorf("CopyFrom aliases its source")
	}
	wantShapePanic(t, "tensor: CopyFrom: shapes differ: [2 2] x [4]", func() {
		x.CopyFrom(Zeros[float64](4))
	})
}

func TestRandReproducible(t *testing.T) {
	t.Run("float64", testRandReproducible[float64])
	t.Run("float32", testRandReproducible[float32])
}

func testRandReproducible[T Float](t *testing.T) {
	gens := map[string]func(*rand.Rand) *Tensor[T]{
		"RandNormal":  func(r *rand.Rand) *Tensor[T] { return RandNormal(r, T(0), T(1), 3, 4) },
		"RandUniform": func(r *rand.Rand) *Tensor[T] { return RandUniform(r, T(-1), T(1), 3, 4) },
	}
	for name, gen := range gens {
		a := gen(rand.New(rand.NewPCG(1, 2)))
		b := gen(rand.New(rand.NewPCG(1, 2)))
		if diff := cmp.Diff(viewOf(a), viewOf(b)); diff != "" {
			t.Errorf("%s with the same seed differs (-first +second):\n%s", name, diff)
		}
		if diff := cmp.Diff([]int{3, 4}, a.Shape()); diff != "" {
			t.Errorf("%s shape (-want +got):\n%s", name, diff)
		}
		c := gen(rand.New(rand.NewPCG(3, 4)))
		if cmp.Equal(viewOf(a), viewOf(c)) {
			t.Errorf("%s with different seeds gives identical tensors %v", name, a)
		}
		// The same generator advances: a second draw differs from the first.
		r := rand.New(rand.NewPCG(1, 2))
		d1, d2 := gen(r), gen(r)
		if cmp.Equal(viewOf(d1), viewOf(d2)) {
			t.Errorf("%s: two draws from one generator are identical", name)
		}
	}
}

func TestRandUniformRangeAndMean(t *testing.T) {
	t.Run("float64", testRandUniformRangeAndMean[float64])
	t.Run("float32", testRandUniformRangeAndMean[float32])
}

func testRandUniformRangeAndMean[T Float](t *testing.T) {
	const lo, hi, n = -3, 5, 20000
	x := RandUniform(rand.New(rand.NewPCG(1, 2)), T(lo), T(hi), n)
	var sum float64
	for i, v := range x.Data() {
		if v < lo || v >= hi {
			t.Fatalf("element %d = %v, outside [%v, %v)", i, v, lo, hi)
		}
		sum += float64(v)
	}
	// The standard error of the mean is 8/sqrt(12)/sqrt(n) ≈ 0.016.
	if mean := sum / n; math.Abs(mean-(lo+hi)/2.0) > 0.1 {
		t.Errorf("mean = %v, want about %v", mean, (lo+hi)/2.0)
	}
}

// maxFirstSource is a rand.Source whose first value is the largest possible,
// so that the first rand.Float64 returns its largest result, 1-2⁻⁵³; after
// that it continues as a PCG source (so that an implementation that redraws
// out-of-range values still terminates).
type maxFirstSource struct {
	used bool
	pcg  *rand.PCG
}

func (s *maxFirstSource) Uint64() uint64 {
	if !s.used {
		s.used = true
		return math.MaxUint64
	}
	return s.pcg.Uint64()
}

// TestRandUniformExcludesHi checks the documented half-open range [lo, hi)
// at the largest value the generator can produce. With rng.Float64() =
// 1-2⁻⁵³, float32(u) rounds to 1, and 1 + (2-1)*u rounds to 2 in float64.
// With a real PCG source, float32 draws hit this about once every 2^25
// elements (the first at draw 25096095 for NewPCG(1, 2)).
func TestRandUniformExcludesHi(t *testing.T) {
	newRng := func() *rand.Rand { return rand.New(&maxFirstSource{pcg: rand.NewPCG(1, 2)}) }
	if v := RandUniform(newRng(), float32(0), float32(1), 1).Item(); !(v >= 0 && v < 1) {
		t.Errorf("RandUniform[float32](lo=0, hi=1) = %v, outside [0, 1)", v)
	}
	if v := RandUniform(newRng(), 1.0, 2.0, 1).Item(); !(v >= 1 && v < 2) {
		t.Errorf("RandUniform[float64](lo=1, hi=2) = %v, outside [1, 2)", v)
	}
	if v := RandUniform(newRng(), float32(-1), float32(1), 1).Item(); !(v >= -1 && v < 1) {
		t.Errorf("RandUniform[float32](lo=-1, hi=1) = %v, outside [-1, 1)", v)
	}
}

// TestRandUniformBadRange: bounds that are not finite, in the wrong order,
// or so far apart that hi - lo overflows panic with an *ArgError naming
// them (torch's uniform_ and NumPy's uniform refuse them too); the last
// used to loop forever, every draw +Inf. lo = hi gives lo.
func TestRandUniformBadRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		f    func()
		arg  string
	}{
		{"float32 overflow", func() { RandUniform(rng, float32(-3e38), float32(3e38), 2) }, "[lo hi]"},
		{"float64 overflow", func() { RandUniform(rng, -math.MaxFloat64, math.MaxFloat64, 2) }, "[lo hi]"},
		{"lo > hi", func() { RandUniform(rng, 2.0, 1.0, 2) }, "[lo hi]"},
		{"NaN lo", func() { RandUniform(rng, math.NaN(), 1.0, 2) }, "lo"},
		{"infinite hi", func() { RandUniform(rng, 0.0, math.Inf(1), 2) }, "hi"},
		{"nil rng", func() { RandUniform(nil, 0.0, 1.0, 2) }, "rng"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				var ae *ArgError
				if err, _ := recover().(error); !errors.As(err, &ae) || ae.Op != "RandUniform" || ae.Arg != c.arg {
					t.Errorf("panic %v, want an *ArgError of RandUniform naming %s", err, c.arg)
				}
			}()
			c.f()
		})
	}
	if d := RandUniform(rng, 1.5, 1.5, 3).Data(); !cmp.Equal(d, []float64{1.5, 1.5, 1.5}) {
		t.Errorf("RandUniform(lo = hi = 1.5) = %v, want all 1.5", d)
	}
}

// TestRandNormalBadArgs: a mean that is not finite, or a std that is
// negative or not finite, panics with an *ArgError naming it (torch's
// normal_ and NumPy's normal refuse them too); std 0 gives the mean.
func TestRandNormalBadArgs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		f    func()
		arg  string
	}{
		{"negative std", func() { RandNormal(rng, 0.0, -1, 2) }, "std"},
		{"NaN std", func() { RandNormal(rng, 0.0, math.NaN(), 2) }, "std"},
		{"infinite std", func() { RandNormal(rng, float32(0), float32(math.Inf(1)), 2) }, "std"},
		{"infinite mean", func() { RandNormal(rng, math.Inf(-1), 1, 2) }, "mean"},
		{"nil rng", func() { RandNormal(nil, 0.0, 1, 2) }, "rng"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				var ae *ArgError
				if err, _ := recover().(error); !errors.As(err, &ae) || ae.Op != "RandNormal" || ae.Arg != c.arg {
					t.Errorf("panic %v, want an *ArgError of RandNormal naming %s", err, c.arg)
				}
			}()
			c.f()
		})
	}
	if d := RandNormal(rng, 1.5, 0, 3).Data(); !cmp.Equal(d, []float64{1.5, 1.5, 1.5}) {
		t.Errorf("RandNormal(mean 1.5, std 0) = %v, want all 1.5", d)
	}
}

func TestRandNormalMoments(t *testing.T) {
	t.Run("float64", testRandNormalMoments[float64])
	t.Run("float32", testRandNormalMoments[float32])
}

func testRandNormalMoments[T Float](t *testing.T) {
	const mu, sigma, n = 2.0, 0.5, 20000
	x := RandNormal(rand.New(rand.NewPCG(1, 2)), T(mu), T(sigma), 100, n/100)
	var sum, sq float64
	for i, v := range x.Data() {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Fatalf("element %d = %v", i, v)
		}
		sum += f
		sq += f * f
	}
	mean := sum / n
	std := math.Sqrt(sq/n - mean*mean)
	// Standard errors: 0.5/sqrt(n) ≈ 0.0035 for the mean, ≈ 0.0025 for std.
	if math.Abs(mean-mu) > 0.03 {
		t.Errorf("mean = %v, want about %v", mean, mu)
	}
	if math.Abs(std-sigma) > 0.03 {
		t.Errorf("std = %v, want about %v", std, sigma)
	}
	z := RandNormal(rand.New(rand.NewPCG(1, 2)), T(5), T(0), 4)
	checkTensor(t, "RandNormal std 0", z, []int{4}, []float64{5, 5, 5, 5}, 0)
}

func TestShapeReturnsCopy(t *testing.T) {
	x := Zeros[float64](2, 3)
	s := x.Shape()
	s[0] = 99
	if diff := cmp.Diff([]int{2, 3}, x.Shape()); diff != "" {
		t.Errorf("writing to Shape()'s result changed the tensor (-want +got):\n%s", diff)
	}
}

func TestAtSet(t *testing.T) {
	x := MustNew([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, 2, 3, 4)
	for off := 0; off < 24; off++ {
		idx := unravel(off, []int{2, 3, 4})
		if got := x.At(idx...); got != float64(off) {
			t.Errorf("At(%v) = %v, want %v", idx, got, off)
		}
	}
	x.Set(-7, 1, 2, 3)
	if x.Data()[23] != -7 || x.At(1, 2, 3) != -7 {
		t.Errorf("Set(-7, 1, 2, 3): data[23] = %v, At = %v", x.Data()[23], x.At(1, 2, 3))
	}
	x.Set(-8, 0, 1, 0)
	if x.Data()[4] != -8 {
		t.Errorf("Set(-8, 0, 1, 0): data[4] = %v, want -8", x.Data()[4])
	}

	s := Scalar(3.0)
	s.Set(4)
	if s.At() != 4 {
		t.Errorf("0-d Set/At = %v, want 4", s.At())
	}

	m := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	panics := []struct {
		name string
		f    func()
		msg  string
	}{
		{"At row out of range", func() { m.At(2, 0) }, "tensor: At: index [2 0] out of range: [2 3]"},
		{"At col out of range", func() { m.At(0, 3) }, "tensor: At: index [0 3] out of range: [2 3]"},
		{"At negative", func() { m.At(-1, 0) }, "tensor: At: index [-1 0] out of range: [2 3]"},
		{"At too few axes", func() { m.At(5) }, "tensor: At: index [5] has the wrong number of axes: [2 3]"},
		{"At too many axes", func() { m.At(0, 0, 0) }, "tensor: At: index [0 0 0] has the wrong number of axes: [2 3]"},
		{"At on 0-d with index", func() { s.At(0) }, "tensor: At: index [0] has the wrong number of axes: []"},
		{"Set out of range", func() { m.Set(1, 1, 3) }, "tensor: Set: index [1 3] out of range: [2 3]"},
		{"Set wrong rank", func() { m.Set(1) }, "tensor: Set: index [] has the wrong number of axes: [2 3]"},
		{"Item on many", func() { m.Item() }, "tensor: Item: tensor does not have exactly one element: [2 3]"},
		{"Item on empty", func() { Zeros[float64](0).Item() }, "tensor: Item: tensor does not have exactly one element: [0]"},
	}
	for _, p := range panics {
		t.Run(p.name, func(t *testing.T) { wantShapePanic(t, p.msg, p.f) })
	}
	checkTensor(t, "after failed Set", m, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)

	// Item works for any one-element shape.
	if got := MustNew([]float64{9}, 1, 1, 1).Item(); got != 9 {
		t.Errorf("Item of [1 1 1] = %v, want 9", got)
	}
}

func TestClone(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	c := x.Clone()
	checkTensor(t, "Clone", c, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)
	c.Set(100, 0, 0)
	x.Set(200, 1, 2)
	checkTensor(t, "original after writes", x, []int{2, 3}, []float64{1, 2, 3, 4, 5, 200}, 0)
	checkTensor(t, "clone after writes", c, []int{2, 3}, []float64{100, 2, 3, 4, 5, 6}, 0)
	// Reshaping the clone does not affect the original's shape.
	_ = c.Reshape(3, 2)
	checkTensor(t, "original shape", x, []int{2, 3}, []float64{1, 2, 3, 4, 5, 200}, 0)

	checkTensor(t, "Clone 0-d", Scalar(float32(1.5)).Clone(), []int{}, []float64{1.5}, 0)
	checkTensor(t, "Clone empty", Zeros[float64](0, 2).Clone(), []int{0, 2}, nil, 0)
}

func TestReshape(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	all := []float64{1, 2, 3, 4, 5, 6}
	tests := []struct {
		shape []int
		want  []int
	}{
		{[]int{3, 2}, []int{3, 2}},
		{[]int{6}, []int{6}},
		{[]int{-1}, []int{6}},
		{[]int{3, -1}, []int{3, 2}},
		{[]int{-1, 3}, []int{2, 3}},
		{[]int{1, -1, 2}, []int{1, 3, 2}},
		{[]int{2, 1, 3, 1}, []int{2, 1, 3, 1}},
		{[]int{-1, 1, 1}, []int{6, 1, 1}},
	}
	for _, tc := range tests {
		checkTensor(t, "Reshape", x.Reshape(tc.shape...), tc.want, all, 0)
	}
	checkTensor(t, "x after reshapes", x, []int{2, 3}, all, 0)

	// View semantics: writes through either show in the other.
	v := x.Reshape(3, 2)
	v.Set(60, 2, 1)
	if x.At(1, 2) != 60 {
		t.Errorf("write through the view: x.At(1, 2) = %v, want 60", x.At(1, 2))
	}
	x.Set(10, 0, 0)
	if v.At(0, 0) != 10 {
		t.Errorf("write through the original: v.At(0, 0) = %v, want 10", v.At(0, 0))
	}

	// The caller's shape slice is not retained.
	shape := []int{3, -1}
	w := x.Reshape(shape...)
	shape[0] = 1
	if diff := cmp.Diff([]int{3, 2}, w.Shape()); diff != "" {
		t.Errorf("Reshape kept the caller's slice (-want +got):\n%s", diff)
	}

	// 0-d and one-element shapes.
	s := Scalar(5.0)
	checkTensor(t, "0-d to [1 1]", s.Reshape(1, 1), []int{1, 1}, []float64{5}, 0)
	checkTensor(t, "0-d to [-1]", s.Reshape(-1), []int{1}, []float64{5}, 0)
	checkTensor(t, "[1 1] to 0-d", MustNew([]float64{5}, 1, 1).Reshape(), []int{}, []float64{5}, 0)

	// Empty tensors.
	e := Zeros[float64](0, 3)
	checkTensor(t, "[0 3] to [3 0]", e.Reshape(3, 0), []int{3, 0}, nil, 0)
	checkTensor(t, "[0 3] to [-1 3]", e.Reshape(-1, 3), []int{0, 3}, nil, 0)

	errs := []struct {
		name  string
		x     *Tensor[float64]
		shape []int
		msg   string
	}{
		{"count differs", x, []int{4}, "tensor: Reshape: element counts differ: [2 3] x [4]"},
		{"count differs 2", x, []int{2, 2, 2}, "tensor: Reshape: element counts differ: [2 3] x [2 2 2]"},
		{"not divisible", x, []int{-1, 4}, "tensor: Reshape: cannot infer the -1 dimension: [2 3] x [-1 4]"},
		{"two -1", x, []int{-1, -1}, "tensor: Reshape: invalid target shape: [2 3] x [-1 -1]"},
		{"negative", x, []int{-2, -3}, "tensor: Reshape: invalid target shape: [2 3] x [-2 -3]"},
		{"to 0-d", x, []int{}, "tensor: Reshape: element counts differ: [2 3] x []"},
		{"-1 with zero", e, []int{-1, 0}, "tensor: Reshape: cannot infer the -1 dimension: [0 3] x [-1 0]"},
		{"overflowing product", x, []int{1 << 32, 1 << 32, -1}, ""},
		{"overflowing product without -1", x, []int{1 << 62, 1 << 62}, ""},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			if tc.msg == "" {
				shapePanic(t, func() { tc.x.Reshape(tc.shape...) })
				return
			}
			wantShapePanic(t, tc.msg, func() { tc.x.Reshape(tc.shape...) })
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"0-d", Scalar(2.5).String(), "Tensor[](2.5)"},
		{"vector", MustNew([]float64{1, 2, 3}, 3).String(), "Tensor[3][1 2 3]"},
		{"matrix", MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3).String(), "Tensor[2 3][[1 2 3] [4 5 6]]"},
		{"3-d", MustNew([]float64{1, 2, 3, 4}, 2, 1, 2).String(), "Tensor[2 1 2][[[1 2]] [[3 4]]]"},
		{"float32", MustNew([]float32{0.1, -2}, 2).String(), "Tensor[2][0.1 -2]"},
		{"empty", Zeros[float64](0).String(), "Tensor[0][]"},
		{"empty rows", Zeros[float64](2, 0).String(), "Tensor[2 0][]"},
		{"NaN", MustNew([]float64{math.NaN(), math.Inf(-1)}, 2).String(), "Tensor[2][NaN -Inf]"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: String() = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestSameShape(t *testing.T) {
	tests := []struct {
		a, b []int
		want bool
	}{
		{nil, []int{}, true},
		{[]int{2, 3}, []int{2, 3}, true},
		{[]int{2, 3}, []int{3, 2}, false},
		{[]int{3}, []int{1, 3}, false},
		{[]int{}, []int{1}, false},
	}
	for _, tc := range tests {
		if got := SameShape(tc.a, tc.b); got != tc.want {
			t.Errorf("SameShape(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestStandalone: Standalone keeps the values and the shape in a header of
// its own; beyond ZerosWith's 64 elements it shares the data (a write shows
// through), up to them it copies it (the data lies in ZerosWith's block).
func TestStandalone(t *testing.T) {
	for _, n := range []int{1, 64, 65, 300} {
		x, _ := ZerosWith[[4]int, float64](n, 1)
		x.Fill(2)
		s := x.Standalone()
		if s == x || !cmp.Equal(s.Shape(), []int{n, 1}) || !cmp.Equal(s.Data(), x.Data()) {
			t.Fatalf("n = %d: Standalone = %v, want a new header with x's shape and values", n, s)
		}
		x.Data()[0] = 5
		if shared := s.Data()[0] == 5; shared != (n > withBlockMax) {
			t.Errorf("n = %d: data shared = %v, want %v", n, shared, n > withBlockMax)
		}
	}
}
