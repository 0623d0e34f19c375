package tensor_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestMultinomialFrequencies checks that the draws follow the weights: a
// chi-squared test of 200000 draws with replacement against weights that
// do not sum to 1 and include a zero, which is never drawn.
func TestMultinomialFrequencies(t *testing.T) {
	w := tensor.MustNew([]float32{1, 0, 3, 6}, 4)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	got := tensor.Multinomial(rng, w, n, true)
	if !slices.Equal(got.Shape(), []int{n}) {
		t.Fatalf("shape %v, want [%d]", got.Shape(), n)
	}
	var counts [4]float64
	for _, i := range got.Data() {
		counts[i]++
	}
	if counts[1] != 0 {
		t.Errorf("a weight of 0 was drawn %v times", counts[1])
	}
	chi2 := 0.0
	for i, p := range []float64{0.1, 0, 0.3, 0.6} {
		if p > 0 {
			e := p * n
			chi2 += (counts[i] - e) * (counts[i] - e) / e
		}
	}
	if chi2 > 13.8 { // the 0.999 quantile for 2 degrees of freedom
		t.Errorf("counts %v for weights 1:0:3:6 (chi² = %.1f)", counts, chi2)
	}
}

// TestMultinomialWithoutReplacement checks distinct draws per row, the
// [N n] shape, that drawing every non-zero category gives them all, and
// the first draw's distribution (weight 9 of 10 first 90% of the time).
func TestMultinomialWithoutReplacement(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := tensor.MustNew([]float64{0.5, 0, 2, 1, 1, 1, 1, 1}, 2, 4)
	got := tensor.Multinomial(rng, w, 3, false)
	if !slices.Equal(got.Shape(), []int{2, 3}) {
		t.Fatalf("shape %v, want [2 3]", got.Shape())
	}
	for r := range 2 {
		seen := map[int]bool{}
		for _, i := range got.Data()[r*3 : r*3+3] {
			if seen[i] || (r == 0 && i == 1) {
				t.Errorf("row %d: %v repeats or draws a zero weight", r, got.Data()[r*3:r*3+3])
			}
			seen[i] = true
		}
	}
	first := 0
	skewed := tensor.MustNew([]float64{1, 9}, 2)
	for range 20000 {
		d := tensor.Multinomial(rng, skewed, 2, false).Data()
		if d[0]+d[1] != 1 {
			t.Fatalf("draws %v, want both categories", d)
		}
		if d[0] == 1 {
			first++
		}
	}
	if p := float64(first) / 20000; math.Abs(p-0.9) > 0.01 {
		t.Errorf("the weight-9 category came first %.3f of the time, want 0.9", p)
	}
}

// TestMultinomialTinyWeights checks that subnormal float64 weights keep
// their proportions, with and without replacement: scaling a uniform
// number by a subnormal total drew [5e-324 5e-324] as 1:3.
func TestMultinomialTinyWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := tensor.MustNew([]float64{1e-323, 5e-324, 1e-323}, 3)
	for _, repl := range []bool{true, false} {
		var counts [3]float64
		const n = 60000
		for range n / 1000 {
			if repl {
				for _, i := range tensor.Multinomial(rng, w, 1000, true).Data() {
					counts[i]++
				}
				continue
			}
			for range 1000 {
				counts[tensor.Multinomial(rng, w, 1, false).Data()[0]]++
			}
		}
		for i, p := range []float64{0.4, 0.2, 0.4} {
			if got := counts[i] / n; math.Abs(got-p) > 0.01 {
				t.Errorf("replacement %t: category %d drawn %.3f of the time, want %.1f", repl, i, got, p)
			}
		}
	}
}

// TestMultinomialManyWithoutReplacement checks both ways of drawing many
// categories without replacement (kept in order as they come up to 64
// draws, sorted beyond): all distinct, none of weight 0, and the heaviest
// category nearly always among the first.
func TestMultinomialManyWithoutReplacement(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	d := make([]float32, 300)
	for i := range d {
		if i%3 != 0 {
			d[i] = 1
		}
	}
	d[7] = 1e6
	w := tensor.MustNew(d, 300)
	for _, n := range []int{1, 64, 65, 200} {
		got := tensor.Multinomial(rng, w, n, false).Data()
		seen := map[int]bool{}
		for _, i := range got {
			if seen[i] || i%3 == 0 {
				t.Fatalf("n %d: %v repeats a category or draws a weight of 0", n, got)
			}
			seen[i] = true
		}
		if got[0] != 7 {
			t.Errorf("n %d: first draw %d, want the weight-1e6 category 7", n, got[0])
		}
	}
}

// TestMultinomialSeeded checks that a seeded generator repeats the draws.
func TestMultinomialSeeded(t *testing.T) {
	w := tensor.MustNew([]float32{0.2, 0.3, 0.5, 0.1, 0.7, 0.2}, 2, 3)
	a := tensor.Multinomial(rand.New(rand.NewPCG(7, 7)), w, 5, true)
	b := tensor.Multinomial(rand.New(rand.NewPCG(7, 7)), w, 5, true)
	if diff := cmp.Diff(a.Data(), b.Data()); diff != "" {
		t.Errorf("same seed, other draws (-first +second):\n%s", diff)
	}
}

// TestMultinomialPanics checks the typed panics for bad arguments.
func TestMultinomialPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ok := tensor.MustNew([]float64{1, 2}, 2)
	for _, c := range []struct {
		name  string
		f     func()
		shape bool
	}{
		{"3-D", func() { tensor.Multinomial(rng, tensor.Zeros[float64](1, 1, 2), 1, true) }, true},
		{"no category", func() { tensor.Multinomial(rng, tensor.Zeros[float64](2, 0), 1, true) }, true},
		{"nil rng", func() { tensor.Multinomial(nil, ok, 1, true) }, false},
		{"n 0", func() { tensor.Multinomial(rng, ok, 0, true) }, false},
		{"negative weight", func() { tensor.Multinomial(rng, tensor.MustNew([]float64{1, -1}, 2), 1, true) }, false},
		{"NaN weight", func() { tensor.Multinomial(rng, tensor.MustNew([]float64{1, math.NaN()}, 2), 1, true) }, false},
		{"infinite weight", func() { tensor.Multinomial(rng, tensor.MustNew([]float64{math.Inf(1), 1}, 2), 1, true) }, false},
		{"zero row", func() { tensor.Multinomial(rng, tensor.MustNew([]float64{1, 1, 0, 0}, 2, 2), 1, true) }, false},
		{"overflowing row", func() { tensor.Multinomial(rng, tensor.MustNew([]float64{1e308, 1e308}, 2), 1, true) }, false},
		{"too many without replacement", func() { tensor.Multinomial(rng, tensor.MustNew([]float64{1, 0, 2}, 3), 3, false) }, false},
		// Before anything is allocated: N·n overflows, or n·8 bytes does, or
		// n above C would allocate n indices per row first.
		{"N·n overflows", func() { tensor.Multinomial(rng, tensor.Ones[float64](4, 2), 1<<62, true) }, false},
		{"n·8 bytes overflows", func() { tensor.Multinomial(rng, tensor.Ones[float64](2), 1<<61, true) }, false},
		{"more than one allocation holds", func() { tensor.Multinomial(rng, tensor.Ones[float64](2), 1<<50, true) }, false},
		{"n above C without replacement", func() { tensor.Multinomial(rng, tensor.Ones[float64](4, 2), 1<<36, false) }, false},
	} {
		err, _ := panicOf(c.f).(error)
		var se *tensor.ShapeError
		var ae *tensor.ArgError
		if c.shape && !errors.As(err, &se) || !c.shape && !errors.As(err, &ae) {
			t.Errorf("%s: panicked with %T (%v)", c.name, err, err)
		}
	}
}

// A language model's next token: softmax of the logits at temperature
// 0.5, one draw per sequence.
func ExampleMultinomial() {
	logits := tensor.MustNew([]float64{2, 1, 0.1, -1, 0.5, 3}, 2, 3)
	probs := tensor.Softmax(tensor.Scale(logits, 1/0.5), 1)
	next := tensor.Multinomial(rand.New(rand.NewPCG(1, 2)), probs, 1, false)
	fmt.Println(next.Shape(), next.Data())
	// Output: [2 1] [1 2]
}
