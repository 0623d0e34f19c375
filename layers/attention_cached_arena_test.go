package layers_test

import (
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestForwardCachedArenaAllocatesNothing: decoding a sequence piece by
// piece with ForwardCached (MultiheadAttention and TransformerEncoderLayer)
// under an inference Arena that is Reset once per sequence, with the
// KVCache Reset too, allocates nothing once warm: the masks of the new
// positions are CausalLowerRight's fill, from the arena, and the cache's
// Concat takes its result from the arena. The outputs are those of the
// same decoding without an Arena, bit for bit.
func TestForwardCachedArenaAllocatesNothing(t *testing.T) {
	if underRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 16, NormFirst: true}
	for _, c := range []struct {
		name string
		fwd  func(x *autograd.Var[float32], kv *layers.KVCache[float32]) *autograd.Var[float32]
	}{
		{"MultiheadAttention", layers.NewMultiheadAttention[float32](newRNG(11), 8, 2).ForwardCached},
		{"TransformerEncoderLayer", layers.NewDecoderBlock[float32](newRNG(11), cfg).ForwardCached},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A prompt of 3 positions, then 4 of one each, for 2 sequences.
			var pieces []*tensor.Tensor[float32]
			for i, l := range []int{3, 1, 1, 1, 1} {
				pieces = append(pieces, rand32(uint64(40+i), 2, l, 8))
			}
			var want []*tensor.Tensor[float32]
			var kv layers.KVCache[float32]
			for _, p := range pieces {
				want = append(want, c.fwd(autograd.Const(p), &kv).Value())
			}
			ar := autograd.NewInferenceArena[float32]()
			outs := make([]*autograd.Var[float32], len(pieces))
			seq := func() {
				ar.Reset()
				kv.Reset()
				for i, p := range pieces {
					outs[i] = c.fwd(ar.Const(p), &kv)
				}
			}
			seq()
			for i := range outs {
				if !bitsEqual(outs[i].Value(), want[i]) {
					t.Errorf("piece %d under an inference Arena differs from the one without", i)
				}
			}
			for range 3 {
				seq()
			}
			if n := allocs.Count(10, seq); n != 0 {
				t.Errorf("10 warm decodings of %d pieces allocate %d times, want 0", len(pieces), n)
			}
		})
	}
}

// TestForwardCachedStaleCache: resetting the Arena between pieces (per
// token, as a plain inference loop does) leaves the cache holding recycled
// Vars; ForwardCached says so in the layer's terms, with what to do,
// rather than autograd's "Var was made under an Arena before its latest
// Reset" from inside KVCache.Len.
func TestForwardCachedStaleCache(t *testing.T) {
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 16, NormFirst: true}
	model := layers.NewTransformerEncoder[float32](newRNG(11), cfg, 2, true)
	caches := model.NewCaches()
	ar := autograd.NewInferenceArena[float32]()
	ar.Reset()
	model.ForwardCached(ar.Const(rand32(1, 2, 3, 8)), caches)
	ar.Reset()
	ae := argPanic(t, func() { model.ForwardCached(ar.Const(rand32(2, 2, 1, 8)), caches) })
	if ae.Arg != "cache" || !strings.Contains(ae.Error(), "Reset the Arena once per sequence") {
		t.Errorf("error %v, want one about the cache that says when to Reset", ae)
	}
}
