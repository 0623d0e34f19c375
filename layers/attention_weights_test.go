package layers_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// attendInputs returns a query [2 4 6] and keys and values [2 5 6] and a
// key padding mask [2 5] that leaves each sequence a key.
func attendInputs(rng uint64) (q, k, v *autograd.Var[float64], pad *tensor.Mask) {
	r := newRNG(rng)
	q = autograd.Param(randTensor(r, 2, 4, 6))
	k = autograd.Param(randTensor(r, 2, 5, 6))
	v = autograd.Param(randTensor(r, 2, 5, 6))
	pad = tensor.MustMask([]bool{false, true, false, false, true, false, false, true, true, false}, 2, 5)
	return q, k, v, pad
}

// TestAttendWeightsRows: without dropout each row of a head's weights is
// a distribution over the keys that the masks leave (0 at the others), the
// averaged weights are the mean of the heads', and the output is Attend's.
func TestAttendWeightsRows(t *testing.T) {
	m := layers.NewMultiheadAttention[float64](newRNG(2), 6, 3)
	q, k, v, pad := attendInputs(3)
	for _, causal := range []bool{false, true} {
		out, w := m.AttendWeights(q, k, v, pad, causal, true)
		if !w.Value().HasShape(2, 3, 4, 5) {
			t.Fatalf("per-head weights %v, want [2 3 4 5]", w.Value().Shape())
		}
		wd := w.Value().Data()
		for b := range 2 {
			for h := range 3 {
				for i := range 4 {
					sum := 0.0
					for j := range 5 {
						x := wd[((b*3+h)*4+i)*5+j]
						masked := pad.Data()[b*5+j] || (causal && j > i)
						if masked && x != 0 || !masked && !(x > 0) {
							t.Fatalf("causal %v: weight [%d %d %d %d] = %v, masked %v", causal, b, h, i, j, x, masked)
						}
						sum += x
					}
					if math.Abs(sum-1) > 1e-12 {
						t.Errorf("causal %v: row [%d %d %d] sums to %v", causal, b, h, i, sum)
					}
				}
			}
		}
		if d := cmp.Diff(viewOf(m.Attend(q, k, v, pad, causal).Value()), viewOf(out.Value()), approx(1e-12)); d != "" {
			t.Errorf("causal %v: output differs from Attend's (-Attend +AttendWeights):\n%s", causal, d)
		}
		_, avg := m.AttendWeights(q, k, v, pad, causal, false)
		if d := cmp.Diff(viewOf(autograd.Mean(w, 1).Value()), viewOf(avg.Value()), approx(1e-15)); d != "" {
			t.Errorf("causal %v: averaged weights are not the heads' mean (-mean +averaged):\n%s", causal, d)
		}
	}
}

// TestAttendWeightsSelfAttention: AttendWeights of one Var as query, key
// and value gives the output of Forward, which takes the packed path, in
// both float types, causal or not.
func TestAttendWeightsSelfAttention(t *testing.T) {
	for _, causal := range []bool{false, true} {
		m := layers.NewMultiheadAttention[float32](newRNG(2), 8, 2)
		m.Causal = causal
		x := autograd.Const(rand32(4, 2, 5, 8))
		out, w := m.AttendWeights(x, x, x, nil, causal, false)
		if d := cmp.Diff(viewOf(m.Forward(x).Value()), viewOf(out.Value()), approx(1e-5)); d != "" {
			t.Errorf("causal %v: output differs from Forward's (-Forward +AttendWeights):\n%s", causal, d)
		}
		if !w.Value().HasShape(2, 5, 5) {
			t.Errorf("weights %v, want [2 5 5]", w.Value().Shape())
		}
	}
}

// TestAttendWeightsDropout: in training mode with dropout, the weights
// returned are after dropout (PyTorch 1.13's): each is 0 or the
// evaluation weight scaled by 1/(1−p), both kinds present; they give the
// output (their product with the values), which is Attend's from the same
// generator state; and the averaged weights are the mean of those heads.
func TestAttendWeightsDropout(t *testing.T) {
	const p = 0.4
	for _, kv := range []bool{false, true} {
		var m *layers.MultiheadAttention[float64]
		q, k, v, pad := attendInputs(5)
		if kv {
			m = layers.NewMultiheadAttentionKV[float64](newRNG(6), 6, 3, 2, 7)
			k = autograd.Param(randTensor(newRNG(7), 2, 5, 2))
			v = autograd.Param(randTensor(newRNG(8), 2, 5, 7))
		} else {
			m = layers.NewMultiheadAttention[float64](newRNG(6), 6, 3)
		}
		m.SetDropout(newRNG(9), p)
		state := m.RNGState()
		attended := m.Attend(q, k, v, pad, true).Value()
		if err := m.SetRNGState(state); err != nil {
			t.Fatal(err)
		}
		out, w := m.AttendWeights(q, k, v, pad, true, true)
		if err := m.SetRNGState(state); err != nil {
			t.Fatal(err)
		}
		_, avg := m.AttendWeights(q, k, v, pad, true, false)
		m.SetTraining(false)
		_, w0 := m.AttendWeights(q, k, v, pad, true, true)
		dropped, kept := 0, 0
		for i, x := range w.Value().Data() {
			x0 := w0.Value().Data()[i]
			switch {
			case x0 == 0 && x == 0:
			case x == 0:
				dropped++
			case math.Abs(x-x0/(1-p)) <= 1e-15:
				kept++
			default:
				t.Fatalf("kdim %v: weight %d is %v, evaluation's %v: want 0 or %v", kv, i, x, x0, x0/(1-p))
			}
		}
		if dropped == 0 || kept == 0 {
			t.Errorf("kdim %v: %d weights dropped, %d kept: want both", kv, dropped, kept)
		}
		if d := cmp.Diff(viewOf(attended), viewOf(out.Value()), approx(1e-12)); d != "" {
			t.Errorf("kdim %v: output differs from Attend's with the same generator state (-Attend +AttendWeights):\n%s", kv, d)
		}
		if d := cmp.Diff(viewOf(autograd.Mean(w, 1).Value()), viewOf(avg.Value()), approx(1e-15)); d != "" {
			t.Errorf("kdim %v: averaged weights are not the mean of the dropped heads' (-mean +averaged):\n%s", kv, d)
		}
	}
}

// TestAttendWeightsMaskedRowsAndEmpty: a sequence whose keys are all
// padded gives NaN weights and output, as Attend and PyTorch do; no keys
// (S = 0) give empty weights [N L 0] and out_proj.bias; an empty batch
// gives empty results and zero gradients.
func TestAttendWeightsMaskedRowsAndEmpty(t *testing.T) {
	m := layers.NewMultiheadAttention[float64](newRNG(2), 4, 2)
	copy(m.OutProj.Bias.Value().Data(), []float64{0, 0.5, 0, -1})
	q := autograd.Param(randTensor(newRNG(3), 2, 3, 4))
	kv := autograd.Param(randTensor(newRNG(4), 2, 2, 4))
	pad := tensor.MustMask([]bool{true, true, false, true}, 2, 2)
	out, w := m.AttendWeights(q, kv, kv, pad, false, false)
	for i, x := range w.Value().Data() {
		if nan := math.IsNaN(x); nan != (i < 6) {
			t.Errorf("weight %d = %v: want NaN exactly in the first sequence's rows", i, x)
		}
	}
	if d := cmp.Diff(viewOf(m.Attend(q, kv, kv, pad, false).Value()), viewOf(out.Value()), approx(1e-12)); d != "" {
		t.Errorf("output differs from Attend's (-Attend +AttendWeights):\n%s", d)
	}

	none := autograd.Param(tensor.Zeros[float64](2, 0, 4))
	out, w = m.AttendWeights(q, none, none, nil, true, false)
	if !w.Value().HasShape(2, 3, 0) {
		t.Errorf("weights of no keys %v, want [2 3 0]", w.Value().Shape())
	}
	for i, x := range out.Value().Data() {
		if x != m.OutProj.Bias.Value().Data()[i%4] {
			t.Fatalf("output %d is %v, want out_proj.bias", i, x)
		}
	}

	empty := autograd.Param(tensor.Zeros[float64](0, 3, 4))
	out, w = m.AttendWeights(empty, empty, empty, nil, true, true)
	if !out.Value().HasShape(0, 3, 4) || !w.Value().HasShape(0, 2, 3, 3) {
		t.Fatalf("empty batch: output %v, weights %v", out.Value().Shape(), w.Value().Shape())
	}
	autograd.Add(autograd.Sum(out), autograd.Sum(w)).Backward()
	for _, p := range m.Parameters() {
		if p.Grad() == nil || !p.Grad().HasShape(p.Value().Shape()...) {
			t.Fatalf("%s: no gradient of its shape", p.Name())
		}
		for _, g := range p.Grad().Data() {
			if g != 0 {
				t.Fatalf("%s: gradient %v, want zeros", p.Name(), g)
			}
		}
	}
}

// weightsRows are rows for the checks of every module (testArenaRows)
// that AttendWeights takes without masks, of the packed layer's
// self-attention (averaged weights) and of a layer with kdim and vdim
// other than E with dropout (per-head weights): the output plus a
// function of the weights, so that both carry the gradient.
func weightsRows() []moduleRow {
	return []moduleRow{
		kvRow("MultiheadAttention/AttendWeights", func() layers.Module[float32] {
			m := layers.NewMultiheadAttention[float32](newRNG(11), 8, 2)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				out, w := m.AttendWeights(x, x, x, nil, false, false)
				return autograd.Add(out, autograd.SumKeepDims(autograd.Square(w), 2)) // [2 5 1]
			}}
		}),
		kvRow("MultiheadAttention/AttendWeights kdim vdim dropout", func() layers.Module[float32] {
			m := kvLayer(0.25)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				out, w := m.AttendWeights(x, autograd.Tanh(kvCols(x, 3)), kvCols(x, 6), nil, false, true)
				return autograd.Add(out, autograd.SumKeepDims(autograd.Sum(autograd.Square(w), 1), 2))
			}}
		}),
	}
}

// TestAttendWeightsArenaAllocatesNothing is
// TestEveryModuleArenaAllocatesNothing for weightsRows: without masks, a
// warm evaluation and a warm training step through AttendWeights allocate
// nothing under an Arena, and give the numbers of the same computation
// without one.
func TestAttendWeightsArenaAllocatesNothing(t *testing.T) {
	if underRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	testArenaRows(t, weightsRows())
}
