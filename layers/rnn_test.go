package layers_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// seqLayer is an RNN, LSTM or GRU behind one signature, for table tests.
type seqLayer[T tensor.Float] struct {
	module  layers.Module[T]
	run     func(x, h0, c0 *autograd.Var[T], lengths []int) (out, hn, cn *autograd.Var[T])
	weights func(l, d int) *layers.RecurrentWeights[T]
}

// newSeqLayer builds the layer of kind ("rnn_tanh", "rnn_relu", "lstm",
// "gru").
func newSeqLayer[T tensor.Float](kind string, rng *rand.Rand, in, hidden int, o layers.RecurrentOptions) seqLayer[T] {
	switch kind {
	case "lstm":
		m := layers.NewLSTM[T](rng, in, hidden, o)
		return seqLayer[T]{m, m.ForwardState, m.Weights}
	case "gru":
		m := layers.NewGRU[T](rng, in, hidden, o)
		return seqLayer[T]{m, func(x, h0, _ *autograd.Var[T], lengths []int) (out, hn, cn *autograd.Var[T]) {
			out, hn = m.ForwardState(x, h0, lengths)
			return out, hn, nil
		}, m.Weights}
	}
	if kind == "rnn_relu" {
		o.Nonlinearity = layers.RNNReLU
	}
	m := layers.NewRNN[T](rng, in, hidden, o)
	return seqLayer[T]{m, func(x, h0, _ *autograd.Var[T], lengths []int) (out, hn, cn *autograd.Var[T]) {
		out, hn = m.ForwardState(x, h0, lengths)
		return out, hn, nil
	}, m.Weights}
}

// refOf returns the reference net with l's weights.
func refOf(kind string, l seqLayer[float64], layerCount, dirs, in, hidden int) *refNet {
	n := &refNet{kind: kind, layers: layerCount, dirs: dirs, in: in, hidden: hidden}
	for k := range layerCount * dirs {
		n.w = append(n.w, *l.weights(k/dirs, k%dirs))
	}
	return n
}

type seqCase struct {
	name          string
	kind          string
	layers        int
	bidirectional bool
	noBias        bool
	steps, batch  int
	in, hidden    int
	states        bool  // pass h0 (and c0)
	lengths       []int // nil: all steps
}

var seqCases = []seqCase{
	{name: "rnn tanh", kind: "rnn_tanh", layers: 1, steps: 4, batch: 3, in: 3, hidden: 5},
	{name: "rnn relu 2 layers bidirectional states", kind: "rnn_relu", layers: 2, bidirectional: true, steps: 3, batch: 2, in: 4, hidden: 3, states: true},
	{name: "rnn tanh no bias lengths", kind: "rnn_tanh", layers: 1, bidirectional: true, noBias: true, steps: 5, batch: 3, in: 2, hidden: 3, lengths: []int{2, 5, 1}},
	{name: "rnn tanh 70 steps bidirectional", kind: "rnn_tanh", layers: 1, bidirectional: true, steps: 70, batch: 2, in: 2, hidden: 2, lengths: []int{70, 41}},
	{name: "lstm", kind: "lstm", layers: 1, steps: 5, batch: 2, in: 3, hidden: 4},
	{name: "lstm 2 layers bidirectional states", kind: "lstm", layers: 2, bidirectional: true, steps: 4, batch: 3, in: 3, hidden: 2, states: true},
	{name: "lstm 3 layers lengths states", kind: "lstm", layers: 3, bidirectional: true, steps: 6, batch: 4, in: 2, hidden: 3, states: true, lengths: []int{3, 6, 1, 4}},
	{name: "lstm 9 steps no bias", kind: "lstm", layers: 1, noBias: true, steps: 9, batch: 1, in: 2, hidden: 2},
	{name: "gru", kind: "gru", layers: 1, steps: 4, batch: 3, in: 2, hidden: 3},
	{name: "gru 2 layers bidirectional lengths", kind: "gru", layers: 2, bidirectional: true, steps: 5, batch: 3, in: 3, hidden: 2, lengths: []int{5, 2, 3}},
	{name: "gru states lengths all full", kind: "gru", layers: 1, bidirectional: true, steps: 3, batch: 2, in: 2, hidden: 2, states: true, lengths: []int{3, 3}},
}

func (c seqCase) options() layers.RecurrentOptions {
	return layers.RecurrentOptions{NumLayers: c.layers, Bidirectional: c.bidirectional, NoBias: c.noBias}
}

func (c seqCase) dirs() int {
	if c.bidirectional {
		return 2
	}
	return 1
}

// inputs draws the case's x, h0 and c0 (nil without states).
func (c seqCase) inputs(rng *rand.Rand) (x, h0, c0 *tensor.Tensor[float64]) {
	x = randTensor(rng, c.steps, c.batch, c.in)
	if c.states {
		h0 = randTensor(rng, c.layers*c.dirs(), c.batch, c.hidden)
		if c.kind == "lstm" {
			c0 = randTensor(rng, c.layers*c.dirs(), c.batch, c.hidden)
		}
	}
	return x, h0, c0
}

func optVar[T tensor.Float](t *tensor.Tensor[float64]) *autograd.Var[T] {
	if t == nil {
		return nil
	}
	return autograd.Param(convert[T](t))
}

// TestRecurrentMatchesReference runs every case in float64 and float32
// against the plain-loop reference: the output sequence (0 past each
// row's length), the final states (at each row's last step) and, for the
// reverse direction, a start at each row's last element.
func TestRecurrentMatchesReference(t *testing.T) {
	for _, c := range seqCases {
		t.Run(c.name, func(t *testing.T) {
			l := newSeqLayer[float64](c.kind, newRNG(1), c.in, c.hidden, c.options())
			x, h0, c0 := c.inputs(newRNG(2))
			wantOut, wantH, wantC := refOf(c.kind, l, c.layers, c.dirs(), c.in, c.hidden).run(x, h0, c0, c.lengths)
			check := func(t *testing.T, tol float64, out, hn, cn tensorView) {
				t.Helper()
				if diff := cmp.Diff(viewOf(wantOut), out, approx(tol)); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(viewOf(wantH), hn, approx(tol)); diff != "" {
					t.Errorf("h_n (-want +got):\n%s", diff)
				}
				if c.kind == "lstm" {
					if diff := cmp.Diff(viewOf(wantC), cn, approx(tol)); diff != "" {
						t.Errorf("c_n (-want +got):\n%s", diff)
					}
				}
			}
			t.Run("float64", func(t *testing.T) {
				out, hn, cn := l.run(optVar[float64](x), optVar[float64](h0), optVar[float64](c0), c.lengths)
				check(t, 1e-12, viewOf(out.Value()), viewOf(hn.Value()), viewOfVar(cn))
			})
			t.Run("float32", func(t *testing.T) {
				l32 := newSeqLayer[float32](c.kind, newRNG(1), c.in, c.hidden, c.options())
				out, hn, cn := l32.run(optVar[float32](x), optVar[float32](h0), optVar[float32](c0), c.lengths)
				check(t, 1e-5, viewOf(out.Value()), viewOf(hn.Value()), viewOfVar(cn))
			})
		})
	}
}

func viewOfVar[T tensor.Float](v *autograd.Var[T]) tensorView {
	if v == nil {
		return tensorView{}
	}
	return viewOf(v.Value())
}

// TestRecurrentGradcheck gradchecks every case (bar the long one) with
// respect to x, the initial states and every weight, through the scalar
// Σ out∘G + Σ hn∘G' (+ Σ cn∘G”).
func TestRecurrentGradcheck(t *testing.T) {
	for _, c := range seqCases {
		if c.steps > 10 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			l := newSeqLayer[float64](c.kind, newRNG(1), c.in, c.hidden, c.options())
			x, h0, c0 := c.inputs(newRNG(2))
			inputs := []*tensor.Tensor[float64]{x}
			if h0 != nil {
				inputs = append(inputs, h0)
			}
			if c0 != nil {
				inputs = append(inputs, c0)
			}
			nStates := len(inputs)
			named := l.module.NamedParameters()
			for _, p := range named {
				inputs = append(inputs, p.Param.Value().Clone())
			}
			rng := newRNG(3)
			gOut := randTensor(rng, c.steps, c.batch, c.dirs()*c.hidden)
			gState := randTensor(rng, c.layers*c.dirs(), c.batch, c.hidden)
			f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
				setWeights(l, c, in[nStates:])
				var hv, cv *autograd.Var[float64]
				if h0 != nil {
					hv = in[1]
				}
				if c0 != nil {
					cv = in[2]
				}
				out, hn, cn := l.run(in[0], hv, cv, c.lengths)
				s := autograd.Add(autograd.Sum(autograd.Mul(out, autograd.Const(gOut))), autograd.Sum(autograd.Mul(hn, autograd.Const(gState))))
				if cn != nil {
					s = autograd.Add(s, autograd.Sum(autograd.Mul(cn, autograd.Const(gState))))
				}
				return s
			}
			gradcheck.Assert(t, f, inputs)
		})
	}
}

// setWeights puts the Vars ps, in NamedParameters order, into l.
func setWeights(l seqLayer[float64], c seqCase, ps []*autograd.Var[float64]) {
	i := 0
	for k := range c.layers * c.dirs() {
		w := l.weights(k/c.dirs(), k%c.dirs())
		w.WeightIH, w.WeightHH = ps[i], ps[i+1]
		i += 2
		if !c.noBias {
			w.BiasIH, w.BiasHH = ps[i], ps[i+1]
			i += 2
		}
	}
}

// TestRecurrentNames checks PyTorch's parameter names, order and shapes.
func TestRecurrentNames(t *testing.T) {
	type np struct {
		Name  string
		Shape []int
	}
	names := func(m layers.Module[float64]) []np {
		var out []np
		for _, p := range m.NamedParameters() {
			out = append(out, np{p.Name, p.Param.Shape()})
		}
		if len(m.Parameters()) != len(out) {
			t.Errorf("%d Parameters, %d NamedParameters", len(m.Parameters()), len(out))
		}
		return out
	}
	rng := newRNG(1)
	lstm := layers.NewLSTM[float64](rng, 3, 2, layers.RecurrentOptions{NumLayers: 2, Bidirectional: true})
	want := []np{
		{"weight_ih_l0", []int{8, 3}}, {"weight_hh_l0", []int{8, 2}}, {"bias_ih_l0", []int{8}}, {"bias_hh_l0", []int{8}},
		{"weight_ih_l0_reverse", []int{8, 3}}, {"weight_hh_l0_reverse", []int{8, 2}}, {"bias_ih_l0_reverse", []int{8}}, {"bias_hh_l0_reverse", []int{8}},
		{"weight_ih_l1", []int{8, 4}}, {"weight_hh_l1", []int{8, 2}}, {"bias_ih_l1", []int{8}}, {"bias_hh_l1", []int{8}},
		{"weight_ih_l1_reverse", []int{8, 4}}, {"weight_hh_l1_reverse", []int{8, 2}}, {"bias_ih_l1_reverse", []int{8}}, {"bias_hh_l1_reverse", []int{8}},
	}
	if diff := cmp.Diff(want, names(lstm)); diff != "" {
		t.Errorf("LSTM (-want +got):\n%s", diff)
	}
	gru := layers.NewGRU[float64](rng, 3, 2, layers.RecurrentOptions{NoBias: true, NumLayers: 2})
	want = []np{{"weight_ih_l0", []int{6, 3}}, {"weight_hh_l0", []int{6, 2}}, {"weight_ih_l1", []int{6, 2}}, {"weight_hh_l1", []int{6, 2}}}
	if diff := cmp.Diff(want, names(gru)); diff != "" {
		t.Errorf("GRU (-want +got):\n%s", diff)
	}
	rnn := layers.NewRNN[float64](rng, 3, 2, layers.RecurrentOptions{})
	want = []np{{"weight_ih_l0", []int{2, 3}}, {"weight_hh_l0", []int{2, 2}}, {"bias_ih_l0", []int{2}}, {"bias_hh_l0", []int{2}}}
	if diff := cmp.Diff(want, names(rnn)); diff != "" {
		t.Errorf("RNN (-want +got):\n%s", diff)
	}
	if v := lstm.Weights(1, 1).WeightIH; v.Name() != "weight_ih_l1_reverse" {
		t.Errorf("Weights(1, 1).WeightIH is %q", v.Name())
	}
	cellWant := func(g int) []np {
		return []np{{"weight_ih", []int{g * 2, 3}}, {"weight_hh", []int{g * 2, 2}}, {"bias_ih", []int{g * 2}}, {"bias_hh", []int{g * 2}}}
	}
	for _, c := range []struct {
		m layers.Module[float64]
		g int
	}{{layers.NewRNNCell[float64](rng, 3, 2, layers.RNNTanh), 1}, {layers.NewLSTMCell[float64](rng, 3, 2), 4}, {layers.NewGRUCell[float64](rng, 3, 2), 3}} {
		if diff := cmp.Diff(cellWant(c.g), names(c.m)); diff != "" {
			t.Errorf("%T (-want +got):\n%s", c.m, diff)
		}
	}
	if lstm.InputSize() != 3 || lstm.HiddenSize() != 2 || lstm.NumLayers() != 2 || lstm.NumDirections() != 2 || lstm.BatchFirst() {
		t.Errorf("LSTM accessors: %d %d %d %d %v", lstm.InputSize(), lstm.HiddenSize(), lstm.NumLayers(), lstm.NumDirections(), lstm.BatchFirst())
	}
	if rnn.Nonlinearity() != layers.RNNTanh || layers.RNNReLU.String() != "relu" {
		t.Errorf("Nonlinearity %v, RNNReLU %q", rnn.Nonlinearity(), layers.RNNReLU.String())
	}
}

// TestRecurrentInit checks PyTorch's initialisation: every weight and bias
// in [−1/√H, 1/√H], spread over it, and the same seed giving the same
// weights.
func TestRecurrentInit(t *testing.T) {
	m := layers.NewLSTM[float64](newRNG(4), 5, 16, layers.RecurrentOptions{NumLayers: 2})
	again := layers.NewLSTM[float64](newRNG(4), 5, 16, layers.RecurrentOptions{NumLayers: 2})
	for i, p := range m.NamedParameters() {
		lo, hi := 1.0, -1.0
		for _, v := range p.Param.Value().Data() {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -0.25 || hi > 0.25 || lo > -0.2 || hi < 0.2 {
			t.Errorf("%s spans [%v, %v], want about [-0.25, 0.25]", p.Name, lo, hi)
		}
		if !bitsEqual(p.Param.Value(), again.Parameters()[i].Value()) {
			t.Errorf("%s differs between two layers of one seed", p.Name)
		}
	}
}

// TestRecurrentBatchFirst checks that BatchFirst takes and returns
// [N, L, ·] with the same numbers as the default layout, and the same
// final states.
func TestRecurrentBatchFirst(t *testing.T) {
	for _, kind := range []string{"rnn_tanh", "lstm", "gru"} {
		t.Run(kind, func(t *testing.T) {
			o := layers.RecurrentOptions{NumLayers: 2, Bidirectional: true}
			a := newSeqLayer[float64](kind, newRNG(1), 3, 4, o)
			o.BatchFirst = true
			b := newSeqLayer[float64](kind, newRNG(1), 3, 4, o)
			x := randTensor(newRNG(2), 5, 2, 3) // [L N in]
			lengths := []int{5, 3}
			outA, hA, cA := a.run(constOf(x), nil, nil, lengths)
			outB, hB, cB := b.run(constOf(tensor.Permute(x, 1, 0, 2)), nil, nil, lengths)
			if !bitsEqual(tensor.Permute(outA.Value(), 1, 0, 2), outB.Value()) {
				t.Errorf("batch-first output differs:\n%v\n%v", outA.Value(), outB.Value())
			}
			if !bitsEqual(hA.Value(), hB.Value()) || (cA != nil && !bitsEqual(cA.Value(), cB.Value())) {
				t.Errorf("batch-first final states differ")
			}
		})
	}
}

// TestRecurrentLengthsFullIsNil checks that lengths of L for every row
// give the numbers of no lengths at all.
func TestRecurrentLengthsFullIsNil(t *testing.T) {
	l := newSeqLayer[float64]("lstm", newRNG(1), 2, 3, layers.RecurrentOptions{Bidirectional: true})
	x := constOf(randTensor(newRNG(2), 4, 3, 2))
	a, ha, ca := l.run(x, nil, nil, nil)
	b, hb, cb := l.run(x, nil, nil, []int{4, 4, 4})
	if !bitsEqual(a.Value(), b.Value()) || !bitsEqual(ha.Value(), hb.Value()) || !bitsEqual(ca.Value(), cb.Value()) {
		t.Error("full lengths differ from nil lengths")
	}
}

// TestRecurrentPaddingIsNotRead checks that with lengths, NaN or Inf in
// the padded positions of x change nothing: the outputs and every gradient
// are bit for bit those of zero padding, and x's gradient is 0 there, as
// with a packed sequence, which holds no padding. (Computing the padded
// steps and masking their results afterwards made every weight's gradient
// NaN: 0·NaN in the nonlinearity's derivative.)
func TestRecurrentPaddingIsNotRead(t *testing.T) {
	const steps, batch, in = 4, 3, 2
	lengths := []int{4, 1, 2}
	for _, kind := range []string{"rnn_tanh", "rnn_relu", "lstm", "gru"} {
		for _, fill := range []float64{math.NaN(), math.Inf(1)} {
			o := layers.RecurrentOptions{NumLayers: 2, Bidirectional: true}
			run := func(pad float64) (out *tensor.Tensor[float64], grads []*tensor.Tensor[float64]) {
				l := newSeqLayer[float64](kind, newRNG(1), in, 3, o)
				xt := randTensor(newRNG(2), steps, batch, in)
				d := xt.Data()
				for s := range steps {
					for b, n := range lengths {
						for i := range in {
							if s >= n {
								d[(s*batch+b)*in+i] = pad
							}
						}
					}
				}
				x := autograd.Param(xt)
				y, hn, cn := l.run(x, nil, nil, lengths)
				loss := autograd.Add(autograd.Sum(y), autograd.Sum(hn))
				if cn != nil {
					loss = autograd.Add(loss, autograd.Sum(cn))
				}
				loss.Backward()
				grads = append(grads, x.Grad())
				for _, p := range l.module.Parameters() {
					grads = append(grads, p.Grad())
				}
				return y.Value(), grads
			}
			wantOut, want := run(0)
			gotOut, got := run(fill)
			if !bitsEqual(gotOut, wantOut) {
				t.Errorf("%s, padding %v: output differs from zero padding", kind, fill)
			}
			for i := range want {
				if !bitsEqual(got[i], want[i]) {
					t.Errorf("%s, padding %v: gradient %d is %v, want %v (zero padding)", kind, fill, i, got[i].Data(), want[i].Data())
				}
			}
			for s := range steps {
				for b, n := range lengths {
					if g := got[0].Data()[(s*batch+b)*in]; s >= n && g != 0 {
						t.Errorf("%s: x's gradient at padded step %d of row %d is %v, want 0", kind, s, b, g)
					}
				}
			}
		}
	}
}

// TestRecurrentErrors checks the panics for bad inputs, states, lengths
// and options.
func TestRecurrentErrors(t *testing.T) {
	rng := newRNG(1)
	lstm := layers.NewLSTM[float64](rng, 3, 2, layers.RecurrentOptions{NumLayers: 2})
	x := constOf(randTensor(rng, 4, 2, 3))
	shapeCases := []struct {
		name, want string
		f          func()
	}{
		{"2-D input", "input must be [L N 3]", func() { lstm.Forward(constOf(randTensor(rng, 4, 3))) }},
		{"features", "input must be [L N 3]", func() { lstm.Forward(constOf(randTensor(rng, 4, 2, 5))) }},
		{"empty sequence", "L > 0", func() { lstm.Forward(constOf(tensor.Zeros[float64](0, 2, 3))) }},
		{"h0", "h0 must be [2 2 2]", func() { lstm.ForwardState(x, constOf(randTensor(rng, 1, 2, 2)), nil, nil) }},
		{"c0", "c0 must be [2 2 2]", func() { lstm.ForwardState(x, nil, constOf(randTensor(rng, 2, 3, 2)), nil) }},
		{"batch first", "[N L 3] with L > 0 (batch first)", func() {
			layers.NewGRU[float64](rng, 3, 2, layers.RecurrentOptions{BatchFirst: true}).Forward(constOf(randTensor(rng, 4, 2)))
		}},
		{"cell input", "input must be [N 3]", func() { layers.NewLSTMCell[float64](rng, 3, 2).Forward(constOf(randTensor(rng, 2, 2))) }},
		{"cell state", "state must be [2 2]", func() {
			layers.NewGRUCell[float64](rng, 3, 2).Step(constOf(randTensor(rng, 2, 3)), constOf(randTensor(rng, 2, 3)))
		}},
		{"cell c", "state must be [2 2]", func() {
			layers.NewLSTMCell[float64](rng, 3, 2).Step(constOf(randTensor(rng, 2, 3)), nil, constOf(randTensor(rng, 1, 2)))
		}},
		{"sizes", "must be positive", func() { layers.NewRNN[float64](rng, 0, 2, layers.RecurrentOptions{}) }},
		{"layers", "must be positive", func() { layers.NewGRU[float64](rng, 2, 2, layers.RecurrentOptions{NumLayers: -1}) }},
	}
	for _, c := range shapeCases {
		t.Run(c.name, func(t *testing.T) {
			err := shapePanic(t, c.f)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	argCases := []struct {
		name, arg string
		f         func()
	}{
		{"lengths count", "len(lengths)", func() { lstm.ForwardState(x, nil, nil, []int{4}) }},
		{"length 0", "lengths[1]", func() { lstm.ForwardState(x, nil, nil, []int{4, 0}) }},
		{"length too long", "lengths[0]", func() { lstm.ForwardState(x, nil, nil, []int{5, 1}) }},
		{"dropout", "Dropout", func() { layers.NewLSTM[float64](rng, 2, 2, layers.RecurrentOptions{Dropout: 1}) }},
		{"nonlinearity", "Nonlinearity", func() { layers.NewRNN[float64](rng, 2, 2, layers.RecurrentOptions{Nonlinearity: 7}) }},
		{"cell nonlinearity", "act", func() { layers.NewRNNCell[float64](rng, 2, 2, 2) }},
		{"weights index", "[layer direction]", func() { lstm.Weights(2, 0) }},
	}
	for _, c := range argCases {
		t.Run(c.name, func(t *testing.T) {
			if err := argPanic(t, c.f); err.Arg != c.arg {
				t.Errorf("error %q names %q, want %q", err, err.Arg, c.arg)
			}
		})
	}
}

// TestRecurrentCells checks each cell against the reference step, with and
// without states, and gradchecks it.
func TestRecurrentCells(t *testing.T) {
	for _, kind := range []string{"rnn_tanh", "rnn_relu", "lstm", "gru"} {
		t.Run(kind, func(t *testing.T) {
			rng := newRNG(6)
			var w *layers.RecurrentWeights[float64]
			var step func(x, h, c *autograd.Var[float64]) (hn, cn *autograd.Var[float64])
			var m layers.Module[float64]
			switch kind {
			case "lstm":
				cell := layers.NewLSTMCell[float64](rng, 3, 4)
				w, step, m = &cell.RecurrentWeights, cell.Step, cell
			case "gru":
				cell := layers.NewGRUCell[float64](rng, 3, 4)
				w, m = &cell.RecurrentWeights, cell
				step = func(x, h, _ *autograd.Var[float64]) (hn, cn *autograd.Var[float64]) { return cell.Step(x, h), nil }
			default:
				act := layers.RNNTanh
				if kind == "rnn_relu" {
					act = layers.RNNReLU
				}
				cell := layers.NewRNNCell[float64](rng, 3, 4, act)
				w, m = &cell.RecurrentWeights, cell
				step = func(x, h, _ *autograd.Var[float64]) (hn, cn *autograd.Var[float64]) { return cell.Step(x, h), nil }
			}
			ref := &refNet{kind: kind, layers: 1, dirs: 1, in: 3, hidden: 4, w: []layers.RecurrentWeights[float64]{*w}}
			x := randTensor(rng, 2, 3)
			h, c := randTensor(rng, 2, 4), randTensor(rng, 2, 4)
			for _, states := range []bool{false, true} {
				var hv, cv *autograd.Var[float64]
				var h3, c3 *tensor.Tensor[float64]
				if states {
					hv, cv = constOf(h), constOf(c)
					h3, c3 = h.Reshape(1, 2, 4), c.Reshape(1, 2, 4)
				}
				_, wantH, wantC := ref.run(x.Reshape(1, 2, 3), h3, c3, nil)
				gotH, gotC := step(constOf(x), hv, cv)
				if !states {
					if f := m.Forward(constOf(x)); !bitsEqual(f.Value(), gotH.Value()) {
						t.Errorf("Forward differs from Step from zeros")
					}
				}
				if diff := cmp.Diff(viewOf(wantH.Reshape(2, 4)), viewOf(gotH.Value()), approx(1e-12)); diff != "" {
					t.Errorf("states %v: h' (-want +got):\n%s", states, diff)
				}
				if gotC != nil {
					if diff := cmp.Diff(viewOf(wantC.Reshape(2, 4)), viewOf(gotC.Value()), approx(1e-12)); diff != "" {
						t.Errorf("states %v: c' (-want +got):\n%s", states, diff)
					}
				}
			}
			inputs := []*tensor.Tensor[float64]{x, h, c}
			for _, p := range m.NamedParameters() {
				inputs = append(inputs, p.Param.Value().Clone())
			}
			g := randTensor(rng, 2, 4)
			gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] {
				w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH = in[3], in[4], in[5], in[6]
				hn, cn := step(in[0], in[1], in[2])
				s := autograd.Sum(autograd.Mul(hn, autograd.Const(g)))
				if cn != nil {
					s = autograd.Add(s, autograd.Sum(autograd.Mul(cn, autograd.Const(tensor.Scale(g, -0.5)))))
				}
				return s
			}, inputs)
		})
	}
}

// TestRecurrentDropout checks the dropout between layers: in training mode
// it changes the output of a 2-layer LSTM (and two calls differ), in
// evaluation mode the output is that of no dropout at all.
func TestRecurrentDropout(t *testing.T) {
	x := constOf(randTensor(newRNG(2), 4, 3, 2))
	plain := layers.NewGRU[float64](newRNG(1), 2, 8, layers.RecurrentOptions{NumLayers: 2})
	drop := layers.NewGRU[float64](newRNG(1), 2, 8, layers.RecurrentOptions{NumLayers: 2, Dropout: 0.5})
	want := plain.Forward(x).Value()
	a, b := drop.Forward(x).Value(), drop.Forward(x).Value()
	if !drop.Training() || bitsEqual(a, want) || bitsEqual(a, b) {
		t.Errorf("training: dropout left the output unchanged")
	}
	layers.SetTraining[float64](drop, false)
	if drop.Training() || !bitsEqual(drop.Forward(x).Value(), want) {
		t.Errorf("evaluation: the output differs from the layer's without dropout")
	}
}

// TestRecurrentLengthsChange checks that one layer called with lengths
// that change between calls (and come back) follows each call's lengths.
func TestRecurrentLengthsChange(t *testing.T) {
	l := newSeqLayer[float64]("gru", newRNG(1), 2, 3, layers.RecurrentOptions{Bidirectional: true})
	ref := refOf("gru", l, 1, 2, 2, 3)
	x := randTensor(newRNG(2), 4, 3, 2)
	for i, lengths := range [][]int{{4, 2, 3}, {1, 4, 4}, {4, 2, 3}, {4, 2, 2}} {
		wantOut, wantH, _ := ref.run(x, nil, nil, lengths)
		out, hn, _ := l.run(constOf(x), nil, nil, lengths)
		if diff := cmp.Diff(viewOf(wantOut), viewOf(out.Value()), approx(1e-12)); diff != "" {
			t.Errorf("call %d, lengths %v: output (-want +got):\n%s", i, lengths, diff)
		}
		if diff := cmp.Diff(viewOf(wantH), viewOf(hn.Value()), approx(1e-12)); diff != "" {
			t.Errorf("call %d, lengths %v: h_n (-want +got):\n%s", i, lengths, diff)
		}
	}
}
