package layers_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// rngNet is a model with every kind of Random layer: a Dropout (used
// twice), a MultiheadAttention with dropout, one without, and an LSTM with
// dropout between its layers. x is [N L 4].
type rngNet struct {
	*layers.Named[float64]
	drop      *layers.Dropout[float64]
	attn, raw *layers.MultiheadAttention[float64]
	lstm      *layers.LSTM[float64]
	head      *layers.Linear[float64]
}

func newRNGNet(seed uint64) *rngNet {
	rng := newRNG(seed)
	n := &rngNet{
		drop: layers.NewDropout[float64](rng, 0.3),
		attn: layers.NewMultiheadAttention[float64](rng, 4, 2).SetDropout(rng, 0.4),
		raw:  layers.NewMultiheadAttention[float64](rng, 4, 2),
		lstm: layers.NewLSTM[float64](rng, 4, 4, layers.RecurrentOptions{NumLayers: 2, Dropout: 0.5, BatchFirst: true}),
		head: layers.NewLinear[float64](rng, 4, 1, nil),
	}
	n.Named = layers.NewNamed(
		layers.NamedModule[float64]{Name: "drop", Module: n.drop}, layers.NamedModule[float64]{Name: "attn", Module: n.attn},
		layers.NamedModule[float64]{Name: "raw", Module: n.raw}, layers.NamedModule[float64]{Name: "lstm", Module: n.lstm},
		layers.NamedModule[float64]{Name: "head", Module: n.head}, layers.NamedModule[float64]{Name: "again", Module: n.drop})
	return n
}

func (n *rngNet) Forward(x *autograd.Var[float64]) *autograd.Var[float64] {
	h := n.drop.Forward(x)
	h = autograd.Add(n.attn.Forward(h), n.raw.Forward(h))
	return n.head.Forward(n.drop.Forward(n.lstm.Forward(h)))
}

// TestRNGStateResumesExactly trains a model with dropout 6 steps, saving
// the model, the optimizer and the generators after 3; a model built from
// another seed that loads the three files takes the last 3 steps with the
// bits of the uninterrupted run. Without SetRNGState it does not (the
// test would prove nothing otherwise).
func TestRNGStateResumesExactly(t *testing.T) {
	x := autograd.Const(randTensor(newRNG(9), 2, 3, 4))
	step := func(n *rngNet, opt optim.Optimizer[float64]) {
		opt.ZeroGrad()
		autograd.Mean(autograd.Mul(n.Forward(x), n.Forward(x))).Backward()
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
	}
	newOpt := func(n *rngNet) optim.Optimizer[float64] {
		o, err := optim.NewAdam(n.Parameters(), 0.01)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	run := newRNGNet(1)
	opt := newOpt(run)
	var model, state bytes.Buffer
	var rng []byte
	for i := range 6 {
		if i == 3 {
			if err := layers.Save[float64](&model, run); err != nil {
				t.Fatal(err)
			}
			if err := optim.SaveState(&state, opt); err != nil {
				t.Fatal(err)
			}
			rng = layers.RNGState[float64](run)
		}
		step(run, opt)
	}
	for _, restore := range []bool{true, false} {
		res := newRNGNet(2)
		ropt := newOpt(res)
		if err := layers.Load[float64](bytes.NewReader(model.Bytes()), res); err != nil {
			t.Fatal(err)
		}
		if err := optim.LoadState(bytes.NewReader(state.Bytes()), ropt); err != nil {
			t.Fatal(err)
		}
		if restore {
			if err := layers.SetRNGState[float64](res, rng); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			step(res, ropt)
		}
		same := true
		for i, p := range res.Parameters() {
			same = same && tensor.SameBits(p.Value(), run.Parameters()[i].Value())
		}
		if same != restore {
			t.Errorf("SetRNGState %v: resumed weights the same bits as the uninterrupted run's: %v", restore, same)
		}
	}
}

// TestSetRNGStateErrors: a damaged state, or one of another architecture,
// is refused, and no generator changes.
func TestSetRNGStateErrors(t *testing.T) {
	n := newRNGNet(1)
	good := layers.RNGState[float64](n)
	other := layers.RNGState[float64](layers.NewSequential[float64](layers.NewDropout[float64](newRNG(1), 0.5)))
	withDrop := layers.NewSequential[float64](layers.NewMultiheadAttention[float64](newRNG(1), 4, 2).SetDropout(newRNG(2), 0.1))
	noDrop := layers.NewSequential[float64](layers.NewMultiheadAttention[float64](newRNG(1), 4, 2))
	for _, c := range []struct {
		name  string
		m     layers.Module[float64]
		state []byte
		want  string
	}{
		{"not a state", n, []byte("hello"), "not a state RNGState returned"},
		{"another model", n, other, "the state holds 1 generators, the model has 4"},
		{"cut short", n, good[:len(good)-3], "cut short"},
		{"trailing bytes", n, append(append([]byte{}, good...), 1, 2), "2 bytes after the last generator"},
		{"a generator where the layer has none", noDrop, layers.RNGState[float64](withDrop), "disagree on whether it has one"},
		{"no generator where the layer has one", withDrop, layers.RNGState[float64](noDrop), "disagree on whether it has one"},
		{"another kind of layer", withDrop, other, "generator 0: the state was saved from a github.com/adjoint-go/adjoint/layers.Dropout, the model has a github.com/adjoint-go/adjoint/layers.MultiheadAttention there"},
		{"another kind, cut short", withDrop, other[:len("adjoint-rng/2\n")+4+2], "cut short at generator 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := layers.RNGState(c.m)
			err := layers.SetRNGState(c.m, c.state)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "layers: SetRNGState: ") {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
			if !bytes.Equal(before, layers.RNGState(c.m)) {
				t.Errorf("a refused state changed a generator")
			}
		})
	}
	if err := layers.SetRNGState[float64](layers.Tanh[float64]{}, layers.RNGState[float64](layers.Tanh[float64]{})); err != nil {
		t.Errorf("a model without random layers: %v", err)
	}
}

// TestSetRNGStateVersions: a state saved in float32 restores into the
// same model in float64 (the kind leaves out the element type), and a
// version-1 state, which names no kinds, still restores.
func TestSetRNGStateVersions(t *testing.T) {
	src := layers.NewDropout[float32](newRNG(3), 0.5)
	dst := layers.NewDropout[float64](newRNG(4), 0.5)
	if err := layers.SetRNGState[float64](dst, layers.RNGState[float32](src)); err != nil {
		t.Fatalf("float32 state into float64: %v", err)
	}
	if !bytes.Equal(dst.RNGState(), src.RNGState()) {
		t.Errorf("float32 state into float64: the generator's state is not the saved one")
	}

	gen := layers.NewDropout[float64](newRNG(5), 0.5).RNGState()
	v1 := binary.BigEndian.AppendUint32([]byte("adjoint-rng/1\n"), 1)
	v1 = binary.BigEndian.AppendUint32(v1, uint32(len(gen)))
	v1 = append(v1, gen...)
	if err := layers.SetRNGState[float64](dst, v1); err != nil {
		t.Fatalf("version 1: %v", err)
	}
	if !bytes.Equal(dst.RNGState(), gen) {
		t.Errorf("version 1: the generator's state is not the saved one")
	}
}
