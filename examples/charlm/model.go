package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// languageModel is what both architectures are: a Module whose Forward maps
// a batch of byte windows, ids [N, T] (whole numbers as float32), to the
// logits of the next byte at every position, [N·T, vocab] (row n·T+t
// predicts the byte after ids[n, t]), and that can generate text.
type languageModel interface {
	layers.Module[float32]
	// generator returns a fresh generator, with an empty context, over
	// the model's current weights, whose inputs come from ar (an
	// inference Arena: nothing is recorded for a gradient).
	generator(ar *autograd.Arena[float32]) generator
}

// generator feeds a model bytes one piece at a time, keeping what it needs
// of the past (the gpt's keys and values, the LSTM's states), for sampling.
type generator interface {
	// feed appends ids (at least one) to the context and returns the
	// logits of the byte that follows them, [vocab] values that stay
	// valid until the next call.
	feed(ids []int) []float32
}

// newModel builds the architecture cfg.model with weights drawn from rng.
func newModel(cfg config, rng *rand.Rand) (languageModel, error) {
	switch cfg.model {
	case "gpt":
		return newGPT(rng, cfg.layers, cfg.dim, cfg.heads, cfg.context), nil
	case "lstm":
		return newLSTMModel(rng, cfg.layers, cfg.dim), nil
	}
	return nil, fmt.Errorf("unknown model %q, want one of %q", cfg.model, modelNames())
}

// describe returns a one-line summary of a model: its architecture and its
// number of trainable parameters.
func describe(cfg config, m languageModel) string {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Value().Len()
	}
	var arch string
	switch cfg.model {
	case "gpt":
		arch = fmt.Sprintf("%d pre-LN decoder blocks, d_model %d, %d heads, MLP %d, context %d, tied embedding",
			cfg.layers, cfg.dim, cfg.heads, 4*cfg.dim, cfg.context)
	case "lstm":
		arch = fmt.Sprintf("embedding %d, %d LSTM layers of %d units, Linear(%d→%d)", cfg.dim, cfg.layers, cfg.dim, cfg.dim, vocab)
	}
	return fmt.Sprintf("model %s: %s; %d parameters", cfg.model, arch, n)
}

// prefixed returns named with prefix and a dot before every name.
func prefixed(prefix string, named []layers.NamedParam[float32]) []layers.NamedParam[float32] {
	out := make([]layers.NamedParam[float32], len(named))
	for i, p := range named {
		out[i] = layers.NamedParam[float32]{Name: prefix + "." + p.Name, Param: p.Param}
	}
	return out
}

// params returns the parameters of named, in order.
func params(named []layers.NamedParam[float32]) []*autograd.Var[float32] {
	out := make([]*autograd.Var[float32], len(named))
	for i, p := range named {
		out[i] = p.Param
	}
	return out
}

// lastRow returns the last row of logits [rows, vocab], the prediction
// after the last position.
func lastRow(logits *autograd.Var[float32]) []float32 {
	d := logits.Value().Data()
	return d[len(d)-vocab:]
}

// idsConst returns ids as a constant [1, len(ids)] window, for generation,
// made by ar (nil: none).
func idsConst(ar *autograd.Arena[float32], ids []int) *autograd.Var[float32] {
	f := make([]float32, len(ids))
	for i, id := range ids {
		f[i] = float32(id)
	}
	t := tensor.MustNew(f, 1, len(ids))
	if ar == nil {
		return autograd.Const(t)
	}
	return ar.Const(t)
}
