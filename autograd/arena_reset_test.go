package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Arena tests: a Var from before the arena's latest Reset cannot be used by
// mistake, and Reset touches nothing made outside the arena.

// wantArenaReset checks that f panics with an error that wraps
// ErrArenaReset and names op.
func wantArenaReset(t *testing.T, op string, f func()) {
	t.Helper()
	r := panicValue(f)
	err, ok := r.(error)
	if !ok {
		t.Errorf("%s: panicked with %v (%T), want an error wrapping ErrArenaReset", op, r, r)
		return
	}
	if !errors.Is(err, autograd.ErrArenaReset) {
		t.Errorf("%s: panicked with %q, want an error wrapping ErrArenaReset", op, err)
	}
	if !strings.Contains(err.Error(), op) {
		t.Errorf("%s: error %q does not name the operation", op, err)
	}
}

// TestArenaStaleVarPanics uses Vars made under an arena after its Reset,
// before the arena hands anything out again.
func TestArenaStaleVarPanics(t *testing.T) {
	w := autograd.Param(t64([]float64{1, -2, 3, 0.5, 1, -1}, 2, 3))
	b := autograd.Param(t64([]float64{0.1, -0.1}, 2))
	fresh := autograd.Const(t64([]float64{1, 1, 1, 1}, 2, 2))
	build := func(ar *autograd.Arena[float64]) (x, h, loss *V) {
		x = ar.Const(t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3))
		h = autograd.ReLU(autograd.Linear(x, w, b))
		return x, h, autograd.Mean(h)
	}
	uses := []struct {
		op  string
		use func(x, h, loss *V)
	}{
		{"Add", func(_, h, _ *V) { autograd.Add(h, fresh) }},
		{"Add", func(_, h, _ *V) { autograd.Add(fresh, h) }}, // the arena Var second
		{"Linear", func(x, _, _ *V) { autograd.Linear(x, w, b) }},
		{"ReLU", func(_, h, _ *V) { autograd.ReLU(h) }},
		{"MatMul", func(_, h, _ *V) { autograd.MatMulT(h, fresh, false, false) }},
		{"Mean", func(_, h, _ *V) { autograd.Mean(h) }},
		{"CrossEntropy", func(_, h, _ *V) { autograd.CrossEntropy(h, []int{0, 1}) }},
		{"Exp", func(_, h, _ *V) { autograd.Exp(h) }}, // no fast path
		{"Backward", func(_, _, loss *V) { loss.Backward() }},
		{"Value", func(_, h, _ *V) { h.Value() }},
		{"Shape", func(_, h, _ *V) { h.Shape() }},
		{"Value", func(x, _, _ *V) { x.Value() }}, // an arena Const
		{"Item", func(_, _, loss *V) { loss.Item() }},
		// They read the new step's data silently before (the inference
		// README's Argmax on stale logits).
		{"Argmax", func(_, h, _ *V) { autograd.Argmax(h, 1) }},
		{"Argmin", func(_, h, _ *V) { autograd.Argmin(h, 1) }},
		{"Argsort", func(_, h, _ *V) { autograd.Argsort(h, 1, false) }},
		{"Detach", func(_, h, _ *V) { autograd.Detach(h) }},
		// A stale input of Grad got zeros silently before.
		{"Grad", func(_, h, _ *V) { autograd.Grad([]*V{autograd.Sum(autograd.Mul(w, w))}, []*V{h}) }},
	}
	for _, u := range uses {
		ar := autograd.NewArena[float64]()
		x, h, loss := build(ar)
		if h.Stale() || x.Stale() {
			t.Fatalf("Stale before the Reset")
		}
		ar.Reset()
		if !h.Stale() || !x.Stale() || w.Stale() || fresh.Stale() {
			t.Errorf("after Reset: Stale %v %v for the arena's Vars, %v %v for others; want true true false false", h.Stale(), x.Stale(), w.Stale(), fresh.Stale())
		}
		wantArenaReset(t, u.op, func() { u.use(x, h, loss) })
	}

	// Backward of a loss whose graph was retained, after a Reset.
	ar := autograd.NewArena[float64]()
	_, _, loss := build(ar)
	loss.Backward(autograd.RetainGraph())
	ar.Reset()
	wantArenaReset(t, "Backward", func() { loss.Backward() })

	// A stale loss whose tensor header the next step reused with another
	// shape: Backward blamed the shape ([6]) instead of the Reset.
	ar = autograd.NewArena[float64]()
	x := ar.Const(t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3))
	loss = autograd.Reshape(autograd.Sum(autograd.Mul(x, w)), 1)
	ar.Reset()
	autograd.Reshape(autograd.Mul(ar.Const(t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3)), w), 6)
	wantArenaReset(t, "Backward", func() { loss.Backward() })

	// Grad of a stale output: the pass meets the stale node.
	ar = autograd.NewArena[float64]()
	_, _, loss = build(ar)
	ar.Reset()
	wantArenaReset(t, "Grad", func() { autograd.Grad([]*V{loss}, []*V{w}) })
}

// TestArenaResetLeavesOthersAlone checks that Reset touches nothing that was
// not made under the arena: parameters, their gradients, Vars computed
// without an arena, and Vars of another arena.
func TestArenaResetLeavesOthersAlone(t *testing.T) {
	w := autograd.Param(t64([]float64{1, -2, 3, 0.5, 1, -1}, 2, 3))
	b := autograd.Param(t64([]float64{0.1, -0.1}, 2))
	xt := t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3)

	plainH := autograd.ReLU(autograd.Linear(autograd.Const(xt), w, b))
	plainLoss := autograd.Mean(plainH)
	// h = relu([1-4+9+0.1, 0.5+2-3-0.1; -1+0+3+0.1, -0.5+0-1-0.1]) = [6.1 0; 2.1 0]
	wantH := view([]int{2, 2}, 6.1, 0, 2.1, 0)

	ar, other := autograd.NewArena[float64](), autograd.NewArena[float64]()
	otherLoss := autograd.Mean(autograd.ReLU(autograd.Linear(other.Const(xt), w, b)))
	loss := autograd.Mean(autograd.ReLU(autograd.Linear(ar.Const(xt), w, b)))
	loss.Backward()
	wantGradW := view([]int{2, 3}, 0, 0.5, 1, 0, 0, 0) // (x row 0 + x row 1)/4 for the live unit
	wantGradB := view([]int{2}, 0.5, 0)
	checkTensor(t, "w.Grad", w.Grad(), wantGradW, 1e-15)

	ar.Reset()
	// A second step under ar overwrites everything ar handed out before.
	autograd.Mean(autograd.ReLU(autograd.Linear(ar.Const(t64([]float64{9, 9, 9, 9, 9, 9}, 2, 3)), w, b)))

	checkTensor(t, "w after Reset", w.Value(), view([]int{2, 3}, 1, -2, 3, 0.5, 1, -1), 0)
	checkTensor(t, "w.Grad after Reset", w.Grad(), wantGradW, 1e-15)
	checkTensor(t, "b.Grad after Reset", b.Grad(), wantGradB, 1e-15)
	checkTensor(t, "plain h after Reset", plainH.Value(), wantH, 1e-15)
	if got, want := plainLoss.Item(), 8.2/4; math.Abs(got-want) > 1e-15 {
		t.Errorf("plain loss after Reset = %v, want %v", got, want)
	}
	if got, want := otherLoss.Item(), 8.2/4; math.Abs(got-want) > 1e-15 {
		t.Errorf("other arena's loss after Reset = %v, want %v", got, want)
	}
	autograd.ZeroGrad(w, b)
	otherLoss.Backward() // the other arena's graph is intact
	checkTensor(t, "w.Grad via other arena", w.Grad(), wantGradW, 1e-15)
	plainLoss.Backward()
	checkTensor(t, "w.Grad via plain graph", w.Grad(), view([]int{2, 3}, 0, 1, 2, 0, 0, 0), 1e-15)
}

// TestArenaSameSizeOtherShape alternates between two steps whose results
// have the same number of elements in other shapes ([2 3] and [3 2]): the
// arena must not hand out a tensor of the wrong shape.
func TestArenaSameSizeOtherShape(t *testing.T) {
	wa := autograd.Param(t64([]float64{1, -1, 0.5, 2, 0, 1, -2, 1, 0.25, 1, 1, -1}, 3, 4))
	wb := autograd.Param(t64([]float64{0.5, 1, -1, 2, 1, 0, 1, -0.5}, 2, 4))
	step := func(ar *autograd.Arena[float64], i int) (h, gw tensorView) {
		w, n := wa, 2
		if i%2 == 1 {
			w, n = wb, 3
		}
		data := make([]float64, 4*n)
		for j := range data {
			data[j] = float64((j*7+i)%5) - 2
		}
		var x *V
		if ar == nil {
			x = autograd.Const(t64(data, n, 4))
		} else {
			ar.Reset()
			x = ar.Const(t64(data, n, 4))
		}
		hv := autograd.Sigmoid(autograd.Linear(x, w, nil))
		autograd.Sum(autograd.Mul(hv, hv)).Backward()
		gw = viewOf(w.Grad())
		w.ZeroGrad()
		return viewOf(hv.Value()), gw
	}
	ar := autograd.NewArena[float64]()
	for i := range 4 {
		wantH, wantG := step(nil, i)
		gotH, gotG := step(ar, i)
		if d := cmp.Diff(wantH, gotH); d != "" {
			t.Errorf("step %d: result (-fresh +arena):\n%s", i, d)
		}
		if d := cmp.Diff(wantG, gotG); d != "" {
			t.Errorf("step %d: gradient (-fresh +arena):\n%s", i, d)
		}
	}
}

// TestArenaStaleVarAfterReuse uses Vars from before a Reset after the arena
// has handed out new ones, as a loop that keeps the previous step's loss or
// a detached activation would. The Arena's documentation promises a panic
// wrapping ErrArenaReset "rather than reading another step's data"; keeping
// the old values would do as well. Reading the new step's data silently is
// the bug.
func TestArenaStaleVarAfterReuse(t *testing.T) {
	w := autograd.Param(t64([]float64{1, -2, 3, 0.5, 1, -1}, 2, 3))
	b := autograd.Param(t64([]float64{0.1, -0.1}, 2))
	x1 := t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3) // loss 2.05 (see TestArenaResetLeavesOthersAlone)
	x2 := t64([]float64{2, 4, 6, -2, 0, 2}, 2, 3)
	forward := func(ar *autograd.Arena[float64], x *tensor.Tensor[float64]) (h, loss *V) {
		h = autograd.ReLU(autograd.Linear(ar.Const(x), w, b))
		return h, autograd.Mean(h)
	}
	// staleOK reports whether reading a stale Var either panicked with
	// ErrArenaReset or returned the old data.
	staleOK := func(read func() []float64, old []float64) (got []float64, ok bool) {
		r := panicValue(func() { got = read() })
		if err, isErr := r.(error); isErr && errors.Is(err, autograd.ErrArenaReset) {
			return nil, true
		}
		if r != nil {
			panic(r)
		}
		return got, cmp.Equal(got, old)
	}

	t.Run("slot reused", func(t *testing.T) {
		ar := autograd.NewArena[float64]()
		_, prev := forward(ar, x1)
		old := prev.Item()
		ar.Reset()
		_, cur := forward(ar, x2)
		got, ok := staleOK(func() []float64 { return []float64{prev.Item()} }, []float64{old})
		if !ok {
			t.Errorf("BUG: the previous step's loss, read after Reset and a new step, gives %v (the new step's loss is %v, the old one %v); "+
				"want a panic wrapping ErrArenaReset. The arena recycles the Var structs themselves (prev == cur: %v), so its generation check cannot see that prev is stale",
				got, cur.Item(), old, prev == cur)
		}
	})

	t.Run("Detach", func(t *testing.T) {
		ar := autograd.NewArena[float64]()
		h, _ := forward(ar, x1)
		d := autograd.Detach(h)
		old := append([]float64(nil), h.Value().Data()...)
		ar.Reset()
		forward(ar, x2)
		got, ok := staleOK(func() []float64 { return append([]float64(nil), d.Value().Data()...) }, old)
		if !ok {
			t.Errorf("BUG: Detach of an arena Var, read after Reset and a new step, gives %v, the new step's data (old %v); "+
				"want a panic wrapping ErrArenaReset or the old values. Detach shares the arena's tensor but not the Var's arena and generation", got, old)
		}
	})

	t.Run("two arenas", func(t *testing.T) {
		a, b := autograd.NewArena[float64](), autograd.NewArena[float64]()
		z := autograd.Add(a.Const(t64([]float64{1, 2}, 2)), b.Const(t64([]float64{10, 20}, 2)))
		old := append([]float64(nil), z.Value().Data()...)
		a.Reset()
		autograd.Scale(a.Const(t64([]float64{5, 6}, 2)), 3)
		got, ok := staleOK(func() []float64 { return append([]float64(nil), z.Value().Data()...) }, old)
		if !ok {
			t.Errorf("BUG: Add(a.Const(x), b.Const(y)) read after a.Reset() and a new step under a gives %v (old %v); "+
				"want a panic wrapping ErrArenaReset or the old values. binaryValue takes the result tensor from the first input's arena (a), "+
				"recordOp the Var from the last input's (b), so a's Reset recycles the tensor of a Var that b still calls live", got, old)
		}
	})
}

// TestArenaStaleInputOfAnotherArena: a constant of arena B used in an
// operation of arena A, then B is Reset: Backward of A's loss would read
// B's new values as the saved input, and gives a wrong gradient silently
// (20.09 for 1: e³ for e⁰); it panics with ErrArenaReset instead.
func TestArenaStaleInputOfAnotherArena(t *testing.T) {
	A, B := autograd.NewArena[float64](), autograd.NewArena[float64]()
	wa := autograd.Param(t64([]float64{1, 1, 1}, 3))
	a := autograd.Mul(A.Const(t64([]float64{1, 1, 1}, 3)), wa)
	b := autograd.Exp(B.Const(t64([]float64{0, 0, 0}, 3))) // no gradient: no node
	loss := autograd.Sum(autograd.Mul(a, b))
	B.Reset()
	autograd.Exp(B.Const(t64([]float64{3, 3, 3}, 3)))
	wantArenaReset(t, "Backward", func() { loss.Backward() })
}

// TestCheckpointOfArenaParamKeepsItsValue: fn's result comes from an
// arena through an Arena.Param while the Checkpoint's inputs have none, so
// the Checkpoint's result (of no arena) holds its own copy: the arena's
// Reset and next step do not change it (it read 7 for 2 before).
func TestCheckpointOfArenaParamKeepsItsValue(t *testing.T) {
	ar := autograd.NewArena[float64]()
	p := ar.Param(tensor.Ones[float64](100))
	out := autograd.Checkpoint(func(in ...*V) *V { return autograd.Mul(in[0], p) }, autograd.Const(tensor.Full(2.0, 100)))
	ar.Reset()
	autograd.Mul(ar.Const(tensor.Full(7.0, 100)), p)
	for i, v := range out.Value().Data() {
		if v != 2 {
			t.Fatalf("Checkpoint result [%d] = %v after the arena's Reset, want 2", i, v)
		}
	}
}
