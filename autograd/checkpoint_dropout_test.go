package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// seeded is a generator whose state a test can read.
type seeded struct {
	src *rand.PCG
	rng *rand.Rand
}

func newSeeded(a, b uint64) seeded {
	src := rand.NewPCG(a, b)
	return seeded{src, rand.New(src)}
}

func (s seeded) state(t *testing.T) []byte {
	t.Helper()
	b, err := s.src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runBits is what a run leaves that must not depend on Checkpoint: the
// result's value, every gradient, and the generators' states, as bits.
type runBits struct {
	Value []float64
	Grads [][]float64
	RNG   [][]byte
}

// compareRuns fails t unless the plain run and the checkpointed one left
// the same bits.
func compareRuns(t *testing.T, what string, plain, ckpt runBits) {
	t.Helper()
	if d := cmp.Diff(plain, ckpt); d != "" {
		t.Errorf("%s: the checkpointed run differs from the plain one (-plain +checkpoint):\n%s", what, d)
	}
}

// TestCheckpointReplaysDropout: a Dropout inside a Checkpoint draws its
// mask once, on fn's first run, and the recomputation replays it. With a
// zero B, as LoRA initializes it, y = Dropout(x)·A·B is 0 whatever the
// mask, so a new mask went unnoticed by the check of the recomputed value:
// B's gradient came from another mask than the forward pass's, and the
// generator was stepped twice. The plain and checkpointed runs now give
// the same bits: value, gradients, and the generator's state after.
// A Dropout of a Detach of a Var computed in fn replays its mask too (a
// review found Detach dropped the Var's segment).
func TestCheckpointReplaysDropout(t *testing.T) {
	for _, detach := range []bool{false, true} {
		testCheckpointReplaysDropout(t, detach)
	}
}

func testCheckpointReplaysDropout(t *testing.T, detach bool) {
	src := newRand(1)
	xv := tensor.RandNormal(src, 0.0, 1.0, 4, 8)
	av := tensor.RandNormal(src, 0.0, 1.0, 8, 3)
	run := func(checkpoint bool) runBits {
		x, a, b := autograd.Param(xv.Clone()), autograd.Param(av.Clone()), autograd.Param(tensor.Zeros[float64](3, 5))
		g := newSeeded(7, 8)
		fn := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			h := in[0]
			if detach {
				h = autograd.Detach(autograd.Tanh(h))
			}
			return autograd.MatMul(autograd.MatMul(autograd.Dropout(h, 0.5, g.rng), a), b)
		}
		var y *autograd.Var[float64]
		if checkpoint {
			y = autograd.Checkpoint(fn, x)
		} else {
			y = fn(x)
		}
		autograd.Sum(autograd.Mul(y, autograd.Scalar(2.0))).Backward()
		var xg []float64 // none through a Detach (Checkpoint gives its input zeros, the plain run nil)
		if !detach {
			xg = x.Grad().Data()
		}
		return runBits{y.Value().Data(), [][]float64{xg, a.Grad().Data(), b.Grad().Data()}, [][]byte{g.state(t)}}
	}
	plain, ckpt := run(false), run(true)
	compareRuns(t, map[bool]string{false: "LoRA", true: "LoRA on a Detach"}[detach], plain, ckpt)
	// B's gradient is 2·Σ_rows (Dropout(x)·A): nonzero.
	if allZeroF(plain.Grads[2]) {
		t.Errorf("B's gradient is zero: the test does not test")
	}
}

func allZeroF(xs []float64) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}

// TestCheckpointReplaysEveryDraw: a segment with two Dropouts on two
// generators, attention dropout (ScaledDotProductAttentionWith and
// PackedSelfAttention) and a Checkpoint nested in fn with a Dropout of its
// own gives the plain run's bits, with backward run twice (RetainGraph),
// each recomputation replaying the first run's masks.
func TestCheckpointReplaysEveryDraw(t *testing.T) {
	src := newRand(2)
	const n, l, e = 2, 5, 8
	xv := tensor.RandNormal(src, 0.0, 1.0, n*l, e)
	wv := tensor.RandNormal(src, 0.0, 0.5, e, 3*e)
	run := func(checkpoint bool) runBits {
		x, w := autograd.Param(xv.Clone()), autograd.Param(wv.Clone())
		g1, g2, g3 := newSeeded(1, 2), newSeeded(3, 4), newSeeded(5, 6)
		inner := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			return autograd.Tanh(autograd.Dropout(in[0], 0.25, g3.rng))
		}
		fn := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			h := autograd.Dropout(in[0], 0.3, g1.rng)
			qkv := autograd.MatMul(h, w)
			packed := autograd.PackedSelfAttention(qkv, n, 2, autograd.AttentionOptions{Causal: true, Dropout: 0.2, RNG: g2.rng})
			parts := autograd.Split(qkv, 1, e, e, e)
			q, k, v := autograd.Reshape(parts[0], n, l, e), autograd.Reshape(parts[1], n, l, e), autograd.Reshape(parts[2], n, l, e)
			sdpa := autograd.ScaledDotProductAttentionWith(q, k, v, autograd.AttentionOptions{Dropout: 0.4, RNG: g2.rng})
			mid := autograd.Add(packed, autograd.Reshape(sdpa, n*l, e))
			var nested *autograd.Var[float64]
			if checkpoint {
				nested = autograd.Checkpoint(inner, mid)
			} else {
				nested = inner(mid)
			}
			return autograd.Dropout(autograd.Mul(nested, h), 0.5, g1.rng)
		}
		var y *autograd.Var[float64]
		if checkpoint {
			y = autograd.Checkpoint(fn, x)
		} else {
			y = fn(x)
		}
		loss := autograd.Sum(autograd.Mul(y, y))
		loss.Backward(autograd.RetainGraph())
		loss.Backward()
		return runBits{y.Value().Data(), [][]float64{x.Grad().Data(), w.Grad().Data()}, [][]byte{g1.state(t), g2.state(t), g3.state(t)}}
	}
	compareRuns(t, "nested, attention, two passes", run(false), run(true))
}

// TestCheckpointTransformerDropout: a TransformerEncoderLayer with dropout
// (on the attention weights, after the activation, on both residual
// branches) run in a Checkpoint gives the bits of the plain run: output,
// every parameter's gradient, and the layer's generators' states.
func TestCheckpointTransformerDropout(t *testing.T) {
	for _, normFirst := range []bool{false, true} {
		xv := tensor.RandNormal(newRand(9), float32(0), 1, 2, 6, 8)
		run := func(checkpoint bool) runBits {
			layer := layers.NewTransformerEncoderLayer[float32](rand.New(rand.NewPCG(4, 4)),
				layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 16, Dropout: 0.3, NormFirst: normFirst})
			x := autograd.Param(xv.Clone())
			var y *autograd.Var[float32]
			for range 2 { // a stack of the layer twice
				if checkpoint {
					y = autograd.Checkpoint(func(in ...*autograd.Var[float32]) *autograd.Var[float32] { return layer.Forward(in[0]) }, x)
				} else {
					y = layer.Forward(x)
				}
				x = y
			}
			autograd.Sum(autograd.Mul(y, y)).Backward()
			bits := runBits{RNG: [][]byte{layers.RNGState[float32](layer)}}
			for _, v := range y.Value().Data() {
				bits.Value = append(bits.Value, float64(v))
			}
			for _, p := range layer.Parameters() {
				var g []float64
				for _, v := range p.Grad().Data() {
					g = append(g, float64(v))
				}
				bits.Grads = append(bits.Grads, g)
			}
			return bits
		}
		compareRuns(t, "TransformerEncoderLayer", run(false), run(true))
	}
}

// TestCheckpointDrawsDiffer: fn that draws other masks when run again
// than on its first run (more, fewer, or of another size) is refused with
// a *UsageError, as is one that computes other values (a Dropout of a
// weight fn reaches through its closure, which does not depend on the
// Checkpoint's inputs, draws anew: see Checkpoint).
func TestCheckpointDrawsDiffer(t *testing.T) {
	rng := newRand(3)
	w := autograd.Param(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 8))
	x := autograd.Const(tensor.Ones[float64](8))
	runs := 0
	draws := func(first, again int, size int) func(...*autograd.Var[float64]) *autograd.Var[float64] {
		runs = 0
		return func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			runs++
			k := first
			if runs > 1 {
				k = again
			}
			y := autograd.Mul(in[0], w)
			for range k {
				y = autograd.Dropout(autograd.Slice(y, autograd.Range{Stop: size, Step: 1}), 0.5, rng)
			}
			return autograd.Sum(y)
		}
	}
	checkUsagePanic(t, func() { autograd.Checkpoint(draws(1, 2, 8), x).Backward() },
		"autograd: Checkpoint: fn run again draws a mask in Dropout after the 1 of its first run")
	checkUsagePanic(t, func() { autograd.Checkpoint(draws(2, 1, 8), x).Backward() },
		"autograd: Checkpoint: fn run again drew 1 of the 2 masks of its first run")
	size := 8
	resize := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		size--
		return autograd.Sum(autograd.Dropout(autograd.Slice(autograd.Mul(in[0], w), autograd.Range{Stop: size, Step: 1}), 0.5, rng))
	}
	checkUsagePanic(t, func() { autograd.Checkpoint(resize, x).Backward() },
		"autograd: Checkpoint: fn run again draws mask 0 in Dropout of 6 elements with p = 0.5; its first run drew it in Dropout of 7 with p = 0.5")
	closure := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Mul(in[0], autograd.Dropout(w, 0.5, rng)))
	}
	checkUsagePanic(t, func() { autograd.Checkpoint(closure, x).Backward() },
		"autograd: Checkpoint: fn computed different values when run again (a random draw inside it that Checkpoint does not replay, "+
			"or a value it reads that changed since the forward pass); the gradients through the recomputed graph would be wrong")
	if w.Grad() != nil {
		t.Errorf("w got a gradient %v from the refused passes", w.Grad())
	}
}
