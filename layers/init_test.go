package layers_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// initCase names an initializer for table-driven tests.
type initCase[T tensor.Float] struct {
	name string
	init layers.Initializer[T]
}

func initializers[T tensor.Float]() []initCase[T] {
	return []initCase[T]{
		{"XavierUniform", layers.XavierUniform[T]},
		{"XavierNormal", layers.XavierNormal[T]},
		{"HeUniform", layers.HeUniform[T]},
		{"HeNormal", layers.HeNormal[T]},
		{"UniformFanIn", layers.UniformFanIn[T]},
		{"Normal(0.5, 2)", layers.Normal[T](0.5, 2)},
		{"Uniform(-1, 3)", layers.Uniform[T](-1, 3)},
	}
}

func TestInitializerShapes(t *testing.T) {
	t.Run("float64", testInitializerShapes[float64])
	t.Run("float32", testInitializerShapes[float32])
}

func testInitializerShapes[T tensor.Float](t *testing.T) {
	shapes := [][]int{{1, 1}, {3, 2}, {2, 3}, {7}, {2, 3, 4}}
	for _, ic := range initializers[T]() {
		for _, shape := range shapes {
			t.Run(fmt.Sprint(ic.name, shape), func(t *testing.T) {
				w := ic.init(newRNG(1), 3, 2, shape...)
				if diff := cmp.Diff(shape, w.Shape()); diff != "" {
					t.Fatalf("shape (-want +got):\n%s", diff)
				}
				nonzero := 0
				for _, v := range w.Data() {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("non-finite weight %v", v)
					}
					if v != 0 {
						nonzero++
					}
				}
				if nonzero == 0 {
					t.Errorf("all %d weights are zero", w.Len())
				}
			})
		}
	}
}

// TestInitializerReproducible checks that a seed reproduces the draw bit for
// bit and that another seed gives a different one.
func TestInitializerReproducible(t *testing.T) {
	t.Run("float64", testInitializerReproducible[float64])
	t.Run("float32", testInitializerReproducible[float32])
}

func testInitializerReproducible[T tensor.Float](t *testing.T) {
	for _, ic := range initializers[T]() {
		t.Run(ic.name, func(t *testing.T) {
			a := ic.init(newRNG(42), 5, 4, 4, 5)
			b := ic.init(newRNG(42), 5, 4, 4, 5)
			c := ic.init(newRNG(43), 5, 4, 4, 5)
			if !bitsEqual(a, b) {
				t.Errorf("same seed, different weights:\n%v\n%v", a, b)
			}
			if bitsEqual(a, c) {
				t.Errorf("different seeds, same weights:\n%v", a)
			}
		})
	}
}

// TestUniformInitBounds checks that XavierUniform stays within ±√(6/(in+out))
// and HeUniform within ±√(6/in), and that the draws actually fill that range
// (a bound that is too small would also pass the first check).
func TestUniformInitBounds(t *testing.T) {
	t.Run("float64", testUniformInitBounds[float64])
	t.Run("float32", testUniformInitBounds[float32])
}

func testUniformInitBounds[T tensor.Float](t *testing.T) {
	tests := []struct {
		name    string
		init    layers.Initializer[T]
		in, out int
		bound   float64
	}{
		{"XavierUniform 1x1", layers.XavierUniform[T], 1, 1, math.Sqrt(6.0 / 2)},
		{"XavierUniform 784x100", layers.XavierUniform[T], 784, 100, math.Sqrt(6.0 / 884)},
		{"XavierUniform 3x500", layers.XavierUniform[T], 3, 500, math.Sqrt(6.0 / 503)},
		{"HeUniform 1x1", layers.HeUniform[T], 1, 1, math.Sqrt(6.0)},
		{"HeUniform 784x100", layers.HeUniform[T], 784, 100, math.Sqrt(6.0 / 784)},
		{"HeUniform 3x500", layers.HeUniform[T], 3, 500, math.Sqrt(6.0 / 3)},
		{"UniformFanIn 1x1", layers.UniformFanIn[T], 1, 1, 1},
		{"UniformFanIn 784x100", layers.UniformFanIn[T], 784, 100, 1 / math.Sqrt(784)},
		{"Uniform(-0.3, 0.3)", layers.Uniform[T](-0.3, 0.3), 784, 100, 0.3},
	}
	const n = 20000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.init(newRNG(7), tt.in, tt.out, n)
			// A float32 bound may round up by half an ulp.
			limit := tt.bound * (1 + 1e-6)
			lo, hi := math.Inf(1), math.Inf(-1)
			var sumSq float64
			for _, v := range w.Data() {
				x := float64(v)
				if math.Abs(x) > limit {
					t.Fatalf("weight %v outside ±%v", x, tt.bound)
				}
				lo, hi = math.Min(lo, x), math.Max(hi, x)
				sumSq += x * x
			}
			if lo > -0.99*tt.bound || hi < 0.99*tt.bound {
				t.Errorf("draws span [%v, %v], want close to ±%v", lo, hi, tt.bound)
			}
			// The std of U(-a, a) is a/√3.
			std, want := math.Sqrt(sumSq/n), tt.bound/math.Sqrt(3)
			if math.Abs(std-want) > 0.03*want {
				t.Errorf("std %v, want about %v", std, want)
			}
		})
	}
}

// TestNormalInitStd checks the scale of the normal initializers over a big,
// seeded draw: XavierNormal has std √(2/(in+out)), HeNormal √(2/in).
func TestNormalInitStd(t *testing.T) {
	t.Run("float64", testNormalInitStd[float64])
	t.Run("float32", testNormalInitStd[float32])
}

func testNormalInitStd[T tensor.Float](t *testing.T) {
	tests := []struct {
		name    string
		init    layers.Initializer[T]
		in, out int
		std     float64
	}{
		{"XavierNormal 10x30", layers.XavierNormal[T], 10, 30, math.Sqrt(2.0 / 40)},
		{"XavierNormal 1x1", layers.XavierNormal[T], 1, 1, 1},
		{"HeNormal 10x30", layers.HeNormal[T], 10, 30, math.Sqrt(2.0 / 10)},
		{"HeNormal 512x2", layers.HeNormal[T], 512, 2, math.Sqrt(2.0 / 512)},
		{"Normal(0, 0.02)", layers.Normal[T](0, 0.02), 512, 2, 0.02},
	}
	const n = 50000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.init(newRNG(11), tt.in, tt.out, 100, n/100)
			var sum, sumSq float64
			for _, v := range w.Data() {
				sum += float64(v)
				sumSq += float64(v) * float64(v)
			}
			mean := sum / n
			std := math.Sqrt(sumSq/n - mean*mean)
			// The sample std of n normals is within about 1/√(2n) ≈ 0.3% of
			// the truth; 3% leaves ample room and still catches a wrong
			// formula (the nearest plausible mistakes differ by √2 or more).
			if math.Abs(std-tt.std) > 0.03*tt.std {
				t.Errorf("std %v, want %v ± 3%%", std, tt.std)
			}
			if math.Abs(mean) > 0.03*tt.std {
				t.Errorf("mean %v, want about 0 (std %v)", mean, tt.std)
			}
		})
	}
}

// TestConstantInitializers checks Zeros, Ones and Constant on several shapes,
// and that they draw nothing: the generator is where it was.
func TestConstantInitializers(t *testing.T) {
	t.Run("float64", testConstantInitializers[float64])
	t.Run("float32", testConstantInitializers[float32])
}

func testConstantInitializers[T tensor.Float](t *testing.T) {
	tests := []struct {
		name string
		init layers.Initializer[T]
		want float64
	}{
		{"Zeros", layers.Zeros[T], 0},
		{"Ones", layers.Ones[T], 1},
		{"Constant(0.25)", layers.Constant[T](0.25), 0.25},
		{"Constant(-3)", layers.Constant[T](-3), -3},
	}
	for _, tt := range tests {
		for _, shape := range [][]int{{3}, {2, 3}, {4, 1, 2, 2}} {
			t.Run(fmt.Sprint(tt.name, shape), func(t *testing.T) {
				rng := newRNG(5)
				got := tt.init(rng, 3, 2, shape...)
				n := 1
				for _, d := range shape {
					n *= d
				}
				want := make([]float64, n)
				for i := range want {
					want[i] = tt.want
				}
				if diff := cmp.Diff(view(shape, want...), viewOf(got)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if a, b := rng.Uint64(), newRNG(5).Uint64(); a != b {
					t.Errorf("the initializer drew from rng")
				}
			})
		}
	}
}

// TestNormalUniformMoments checks the mean of Normal and Uniform, which the
// other tests (centred at 0) do not.
func TestNormalUniformMoments(t *testing.T) {
	const n = 40000
	tests := []struct {
		name      string
		init      layers.Initializer[float64]
		mean, std float64
	}{
		{"Normal(3, 0.5)", layers.Normal[float64](3, 0.5), 3, 0.5},
		{"Normal(-1, 0)", layers.Normal[float64](-1, 0), -1, 0},
		{"Uniform(2, 4)", layers.Uniform[float64](2, 4), 3, 2 / math.Sqrt(12)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.init(newRNG(3), 1, 1, n).Data()
			var sum, sumSq float64
			for _, v := range d {
				sum += v
				sumSq += v * v
			}
			mean := sum / n
			std := math.Sqrt(math.Max(sumSq/n-mean*mean, 0))
			if math.Abs(mean-tt.mean) > 0.02*math.Max(1, tt.std) || math.Abs(std-tt.std) > 0.03*tt.std+1e-9 {
				t.Errorf("mean %v std %v, want %v and %v", mean, std, tt.mean, tt.std)
			}
		})
	}
}

func TestInitializerArgPanics(t *testing.T) {
	for _, f := range []func(){
		func() { layers.Normal[float64](0, -1) },
		func() { layers.Normal[float64](0, math.NaN()) },
		func() { layers.Uniform[float64](1, 0) },
		func() { layers.Uniform[float64](math.NaN(), 0) },
	} {
		argPanic(t, f)
	}
	// A fan that is not positive: torch divides by zero; it made ±Inf
	// weights (HeNormal) or a RandUniform panic about a NaN bound.
	rng := newRNG(1)
	for name, init := range map[string]layers.Initializer[float64]{
		"XavierUniform": layers.XavierUniform[float64], "XavierNormal": layers.XavierNormal[float64],
		"HeUniform": layers.HeUniform[float64], "HeNormal": layers.HeNormal[float64], "UniformFanIn": layers.UniformFanIn[float64],
	} {
		for _, fans := range [][2]int{{0, 3}, {-2, 3}} {
			if ae := argPanic(t, func() { init(rng, fans[0], fans[1], 3, 4) }); ae.Op != name || ae.Arg != "fanIn" {
				t.Errorf("%s(fans %v): %v, want an error naming %s and fanIn", name, fans, ae, name)
			}
		}
	}
	for _, init := range []layers.Initializer[float64]{layers.XavierUniform[float64], layers.XavierNormal[float64]} {
		if ae := argPanic(t, func() { init(rng, 3, 0, 3, 4) }); ae.Arg != "fanOut" {
			t.Errorf("fanOut 0: %v, want an error naming fanOut", ae)
		}
	}
}

// TestNilRNG: an initializer that draws, and a constructor that draws with
// one, panics with an *ArgError naming rng when rng is nil (it crashed with
// a nil dereference); those that draw nothing take a nil rng.
func TestNilRNG(t *testing.T) {
	for name, f := range map[string]func(){
		"XavierUniform": func() { layers.XavierUniform[float64](nil, 2, 3, 3, 2) },
		"XavierNormal":  func() { layers.XavierNormal[float64](nil, 2, 3, 3, 2) },
		"HeUniform":     func() { layers.HeUniform[float64](nil, 2, 3, 3, 2) },
		"HeNormal":      func() { layers.HeNormal[float64](nil, 2, 3, 3, 2) },
		"UniformFanIn":  func() { layers.UniformFanIn[float64](nil, 2, 3, 3, 2) },
		"Normal":        func() { layers.Normal[float64](0, 1)(nil, 2, 3, 3, 2) },
		"Uniform":       func() { layers.Uniform[float64](0, 1)(nil, 2, 3, 3, 2) },
		"TruncNormal":   func() { layers.TruncNormal[float64](0, 1, -2, 2)(nil, 2, 3, 3, 2) },
		"Orthogonal":    func() { layers.Orthogonal[float64](1)(nil, 2, 3, 3, 2) },
		"UniformFanIn ": func() { layers.NewLinear[float64](nil, 2, 3, nil) },
		"Normal ":       func() { layers.NewEmbedding[float64](nil, 4, 3, nil) },
		"NewDropout":    func() { layers.NewDropout[float64](nil, 0.5) },
	} {
		if ae := argPanic(t, f); ae.Op != strings.TrimSpace(name) || ae.Arg != "rng" {
			t.Errorf("%s: %v, want an *ArgError of %s naming rng", name, ae, strings.TrimSpace(name))
		}
	}
	if l := layers.NewLinear[float64](nil, 2, 3, layers.Zeros[float64]); l.Weight.Value().Dim(0) != 3 {
		t.Errorf("NewLinear with Zeros and a nil rng: weight %v", l.Weight.Value().Shape())
	}
	x := autograd.Const(tensor.Ones[float64](2))
	if d := layers.NewDropout[float64](nil, 0); d.Forward(x) != x {
		t.Errorf("NewDropout(nil, 0) does not pass its input through")
	}
}

// TestContainersRefuseTypedNil checks that a nil pointer to a module, in
// an interface, is refused with an *ArgError like a nil module, instead of
// failing at its first method call.
func TestContainersRefuseTypedNil(t *testing.T) {
	var lin *layers.Linear[float64]
	argPanic(t, func() { layers.NewSequential[float64](lin) })
	argPanic(t, func() { layers.NewNamed(layers.NamedModule[float64]{Name: "fc", Module: lin}) })
}
