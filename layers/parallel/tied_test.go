package parallel_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/parallel"
)

// tiedNet classifies the digits through a layers.TiedOutput: its logits are
// h·Wᵀ with W the weight of the Embedding "wte", which TiedOutput also
// lists as its buffer "weight" so that model files carry both names.
type tiedNet struct {
	*layers.Named[float32]
	body layers.Module[float32]
}

// Forward runs the body alone: the Embedding is there for its weight.
func (m *tiedNet) Forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	return m.body.Forward(x)
}

func tiedMLP(seed uint64) (layers.Module[float32], error) { return tiedNetOf(seed, false) }

// tiedNetOf returns the tiedNet of seed; with omit, its TiedOutput lists
// no buffer (OmitWeight).
func tiedNetOf(seed uint64, omit bool) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	emb := layers.NewEmbedding[float32](rng, 10, 16, nil)
	out := layers.NewTiedOutput(emb, true)
	out.OmitWeight = omit
	body := layers.NewSequential[float32](
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 64, 16, layers.HeUniform[float32]),
		out,
	)
	return &tiedNet{layers.NewNamed(layers.NamedModule[float32]{Name: "wte", Module: emb},
		layers.NamedModule[float32]{Name: "body", Module: body}), body}, nil
}

// TestTiedWeightTrains checks that the trainer updates a weight that a
// TiedOutput lists as a buffer as it does one it does not list
// (OmitWeight): it is a parameter. Restoring it as a buffer after each step
// undid every update (and, with two workers, raced with the update).
func TestTiedWeightTrains(t *testing.T) {
	for _, workers := range []int{1, 2} {
		var weights [2][]float32
		for i, omit := range []bool{true, false} {
			tr, err := parallel.New(config(func(seed uint64) (layers.Module[float32], error) { return tiedNetOf(seed, omit) }, workers))
			if err != nil {
				t.Fatal(err)
			}
			for s := range 3 {
				if _, err := tr.Step(digitBatch(uint64(s), testRows)); err != nil {
					t.Fatalf("%d workers, step %d: %v", workers, s, err)
				}
			}
			weights[i] = slices.Clone(tr.Model().(*tiedNet).Child("wte").(*layers.Embedding[float32]).Weight.Value().Data())
			tr.Close()
		}
		if !slices.Equal(weights[1], weights[0]) {
			t.Errorf("%d workers: the tied embedding weight is %v after 3 steps, %v without the buffer", workers, weights[1][:4], weights[0][:4])
		}
	}
}
