package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
)

// The interop family "rnn": nn.RNN, nn.LSTM, nn.GRU (initial states,
// bidirectional, batch-first, packed variable-length sequences) and
// nn.RNNCell, nn.LSTMCell, nn.GRUCell, testdata/interop/gen_rnn.py.

func init() {
	interopFamilies["rnn"] = interopFamily{build64: buildInteropRNN[float64], build32: buildInteropRNN[float32]}
}

type interopRNNConfig struct {
	Kind          string `json:"kind"`
	InputSize     int    `json:"input_size"`
	HiddenSize    int    `json:"hidden_size"`
	NumLayers     int    `json:"num_layers"`
	Bidirectional bool   `json:"bidirectional"`
	BatchFirst    bool   `json:"batch_first"`
	Bias          bool   `json:"bias"`
	Nonlinearity  string `json:"nonlinearity"`
	States        bool   `json:"states"`
	Lengths       []int  `json:"lengths"`
}

func buildInteropRNN[T layers.Float](t *testing.T, raw json.RawMessage, rng *rand.Rand) (layers.Module[T], interopForward[T]) {
	cfg := decodeInteropConfig[interopRNNConfig](t, raw)
	act := layers.RNNTanh
	if cfg.Nonlinearity == "relu" {
		act = layers.RNNReLU
	}
	o := layers.RecurrentOptions{NumLayers: cfg.NumLayers, Bidirectional: cfg.Bidirectional, BatchFirst: cfg.BatchFirst,
		NoBias: !cfg.Bias, Nonlinearity: act}
	in, hs := cfg.InputSize, cfg.HiddenSize
	// state returns input i, or nil when the case passes no states.
	state := func(xs []*autograd.Var[T], i int) *autograd.Var[T] {
		if !cfg.States {
			return nil
		}
		return xs[i]
	}
	vars := func(vs ...*autograd.Var[T]) []*autograd.Var[T] { return vs }
	switch cfg.Kind {
	case "rnn":
		m := layers.NewRNN[T](rng, in, hs, o)
		return m, func(xs []*autograd.Var[T]) []*autograd.Var[T] {
			return vars(m.ForwardState(xs[0], state(xs, 1), cfg.Lengths))
		}
	case "lstm":
		m := layers.NewLSTM[T](rng, in, hs, o)
		return m, func(xs []*autograd.Var[T]) []*autograd.Var[T] {
			return vars(m.ForwardState(xs[0], state(xs, 1), state(xs, 2), cfg.Lengths))
		}
	case "gru":
		m := layers.NewGRU[T](rng, in, hs, o)
		return m, func(xs []*autograd.Var[T]) []*autograd.Var[T] {
			return vars(m.ForwardState(xs[0], state(xs, 1), cfg.Lengths))
		}
	case "rnn_cell":
		m := layers.NewRNNCell[T](rng, in, hs, act)
		return m, func(xs []*autograd.Var[T]) []*autograd.Var[T] { return vars(m.Step(xs[0], xs[1])) }
	case "lstm_cell":
		m := layers.NewLSTMCell[T](rng, in, hs)
		return m, func(xs []*autograd.Var[T]) []*autograd.Var[T] { return vars(m.Step(xs[0], xs[1], xs[2])) }
	case "gru_cell":
		m := layers.NewGRUCell[T](rng, in, hs)
		return m, func(xs []*autograd.Var[T]) []*autograd.Var[T] { return vars(m.Step(xs[0], xs[1])) }
	}
	t.Fatalf("unknown kind %q", cfg.Kind)
	return nil, nil
}
