package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The interop family "norms": nn.BatchNorm2d and nn.GroupNorm,
// testdata/interop/gen_norms.py.

func init() {
	interopFamilies["norms"] = interopFamily{build64: buildInteropNorm[float64], build32: buildInteropNorm[float32]}
}

type interopNormConfig struct {
	Kind     string `json:"kind"`
	Channels int    `json:"channels"`
	Groups   int    `json:"groups"`
}

func buildInteropNorm[T layers.Float](t *testing.T, raw json.RawMessage, rng *rand.Rand) (layers.Module[T], interopForward[T]) {
	cfg := decodeInteropConfig[interopNormConfig](t, raw)
	var m layers.Module[T]
	switch cfg.Kind {
	case "batchnorm2d":
		m = layers.NewBatchNorm2d[T](cfg.Channels)
	case "groupnorm":
		m = layers.NewGroupNorm[T](cfg.Groups, cfg.Channels)
	default:
		t.Fatalf("unknown norm %q", cfg.Kind)
	}
	// Values other than the defaults (ones, zeros), so that a tensor that
	// failed to load shows.
	for _, p := range m.NamedParameters() {
		p.Param.Value().CopyFrom(tensor.RandUniform[T](rng, -1.5, 1.5, cfg.Channels))
	}
	for _, b := range layers.BuffersOf(m) {
		b.Buffer.CopyFrom(tensor.RandUniform[T](rng, 0.5, 2, cfg.Channels))
	}
	return m, func(in []*autograd.Var[T]) []*autograd.Var[T] { return []*autograd.Var[T]{m.Forward(in[0])} }
}
