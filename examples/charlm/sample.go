package main

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
)

// sampler draws the next byte from a model's logits.
type sampler struct {
	temperature float64 // 0 takes the likeliest byte
	topK        int     // draw among the topK likeliest bytes only; 0 for all
	rng         *rand.Rand

	order []int     // scratch: byte values sorted by logit
	probs []float64 // scratch: the probabilities of order's first bytes
}

// next returns a byte drawn from softmax(logits/temperature) restricted to
// the topK likeliest bytes (all when topK is 0 or at least len(logits)).
// Temperature 0, or topK 1, takes the likeliest byte, the smallest one on a
// tie, and draws nothing from rng. Bytes of equal logits are ranked by
// value, so that the draw depends on nothing but the logits and rng.
func (s *sampler) next(logits []float32) int {
	s.order = s.order[:0]
	for i := range logits {
		s.order = append(s.order, i)
	}
	slices.SortStableFunc(s.order, func(a, b int) int { return cmp.Compare(logits[b], logits[a]) })
	k := len(logits)
	if s.topK > 0 {
		k = min(k, s.topK)
	}
	if s.temperature == 0 || k == 1 {
		return s.order[0]
	}
	top := float64(logits[s.order[0]])
	s.probs = s.probs[:0]
	var sum float64
	for _, b := range s.order[:k] {
		p := math.Exp((float64(logits[b]) - top) / s.temperature)
		s.probs = append(s.probs, p)
		sum += p
	}
	u := s.rng.Float64() * sum
	for i, p := range s.probs {
		if u < p {
			return s.order[i]
		}
		u -= p
	}
	return s.order[k-1] // rounding left u ≥ 0 past the last
}

// generate feeds prompt to a fresh generator of m and then draws n bytes,
// each fed back as the next input, and returns them. An empty prompt
// starts from a newline. It records no graph: the inputs come from an
// inference Arena, which holds the whole generation's tensors (a few
// megabytes) until it returns.
func generate(m languageModel, prompt string, n int, s *sampler) []byte {
	if n == 0 {
		return nil
	}
	g := m.generator(autograd.NewInferenceArena[float32]())
	ids := []int{'\n'}
	if prompt != "" {
		ids = ids[:0]
		for _, b := range []byte(prompt) {
			ids = append(ids, int(b))
		}
	}
	out := make([]byte, 0, n)
	logits := g.feed(ids)
	for {
		b := s.next(logits)
		out = append(out, byte(b))
		if len(out) == n {
			return out
		}
		logits = g.feed([]int{b})
	}
}
