package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestArenaAlternatingShapes checks a training loop whose batches alternate
// between 16 and 17 rows (a partial last batch per epoch): each step's loss
// and gradients are those of the same step without an arena, bit for bit,
// and once both shapes have been met a step allocates nothing (an arena
// slot reuses its memory for a shape it holds, where it made a new tensor
// for every change of shape: 10 allocations a step).
func TestArenaAlternatingShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	w1, b1 := tensor.RandNormal(rng, 0, 0.5, 24, 8), tensor.RandNormal(rng, 0, 0.1, 24)
	w2, b2 := tensor.RandNormal(rng, 0, 0.5, 5, 24), tensor.RandNormal(rng, 0, 0.1, 5)
	gamma, beta := tensor.RandNormal(rng, 1, 0.1, 24), tensor.RandNormal(rng, 0, 0.1, 24)
	params := func() []*V {
		return []*V{autograd.Param(w1.Clone()), autograd.Param(b1.Clone()), autograd.Param(w2.Clone()), autograd.Param(b2.Clone()),
			autograd.Param(gamma.Clone()), autograd.Param(beta.Clone())}
	}
	xs := []*tensor.Tensor[float64]{tensor.RandNormal[float64](rng, 0, 1, 16, 8), tensor.RandNormal[float64](rng, 0, 1, 17, 8)}
	labels := [][]int{make([]int, 16), make([]int, 17)}
	for i, l := range labels {
		for j := range l {
			l[j] = (3*j + i) % 5
		}
	}
	// forward is a small classifier with a mask op (Where of a comparison),
	// whose masks come from the arena too.
	zero := tensor.Scalar(0.0)
	forward := func(x *V, p []*V, labels []int) *V {
		h := autograd.LayerNorm(autograd.Linear(x, p[0], p[1]), p[4], p[5], 1, 1e-5)
		z := autograd.Const(zero)
		if ar := x.Arena(); ar != nil {
			z = ar.Const(zero)
		}
		h = autograd.Where(autograd.Greater(h, z), h, autograd.Scale(h, 0.1))
		return autograd.CrossEntropy(autograd.Softmax(autograd.Linear(h, p[2], p[3]), -1), labels)
	}

	arenaP, plainP := params(), params()
	ar := autograd.NewArena[float64]()
	i := 0
	var loss float64
	step := func() {
		ar.Reset()
		k := i % 2
		i++
		autograd.ZeroGrad(arenaP...)
		l := forward(ar.Const(xs[k]), arenaP, labels[k])
		l.Backward()
		loss = l.Item()
	}
	for range 6 {
		k := i % 2
		step()
		autograd.ZeroGrad(plainP...)
		want := forward(autograd.Const(xs[k]), plainP, labels[k])
		want.Backward()
		if loss != want.Item() {
			t.Errorf("step %d (%d rows): loss %v under the arena, %v without", i, xs[k].Dim(0), loss, want.Item())
		}
		for j := range arenaP {
			if diff := cmp.Diff(plainP[j].Grad().Data(), arenaP[j].Grad().Data()); diff != "" {
				t.Errorf("step %d (%d rows): gradient of parameter %d (-without +with the arena):\n%s", i, xs[k].Dim(0), j, diff)
			}
		}
	}
	if raceEnabled {
		return
	}
	if n := warmMallocs(2, 20, step); n != 0 {
		t.Errorf("20 warm steps alternating 16 and 17 rows: %d allocations, want 0", n)
	}
}
