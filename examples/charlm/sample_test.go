package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestSamplerGreedy checks the cases that draw nothing: temperature 0 and
// top-k 1 take the likeliest byte, the smallest one on a tie, whatever the
// rest, and leave the random stream untouched.
func TestSamplerGreedy(t *testing.T) {
	tests := []struct {
		name        string
		logits      []float32
		temperature float64
		topK        int
		want        int
	}{
		{"temperature 0", []float32{0, 3, 1, 2}, 0, 0, 1},
		{"temperature 0, tie", []float32{0, 3, 1, 3}, 0, 0, 1},
		{"temperature 0, top-k 2", []float32{5, 3, 1, 2}, 0, 2, 0},
		{"top-k 1", []float32{0, 3, 1, 2}, 1, 1, 1},
		{"top-k 1, high temperature", []float32{0, 3, 1, 2}, 100, 1, 1},
		{"top-k 1, tie at the end", []float32{-1, -2, 7, 7}, 1, 1, 2},
		{"negative logits", []float32{-30, -20, -25}, 0, 0, 1},
		{"one byte", []float32{4}, 1, 0, 0},
		{"minus infinity", []float32{float32(math.Inf(-1)), -1e30}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			s := &sampler{temperature: tt.temperature, topK: tt.topK, rng: rng}
			for range 3 {
				if got := s.next(tt.logits); got != tt.want {
					t.Fatalf("next(%v) = %d, want %d", tt.logits, got, tt.want)
				}
			}
			if got, want := rng.Uint64(), rand.New(rand.NewPCG(1, 2)).Uint64(); got != want {
				t.Error("the sampler drew from the random stream")
			}
		})
	}
}

// TestSamplerDistribution draws many bytes and compares their frequencies
// with softmax(logits/temperature) restricted to the top k: temperature 1
// follows the softmax, a high temperature flattens it, a low one sharpens
// it, top-k never draws outside the k likeliest, and a top-k of at least
// the vocabulary is no restriction.
func TestSamplerDistribution(t *testing.T) {
	logits := []float32{1, 0, 2, -1, 0.5, 2} // two bytes tie for the top
	draws := 100000
	if raceEnabled {
		draws = 10000 // the race detector makes each draw about twenty times slower
	}
	tests := []struct {
		name        string
		temperature float64
		topK        int
	}{
		{"temperature 1", 1, 0},
		{"temperature 0.5", 0.5, 0},
		{"temperature 5", 5, 0},
		{"top-k 3", 1, 3},
		{"top-k 2, temperature 2", 2, 2},
		{"top-k = vocabulary", 1, 6},
		{"top-k > vocabulary", 1, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The expected probabilities: the top k by logit (ties by
			// index), softmax at the temperature.
			order := []int{2, 5, 0, 4, 1, 3}
			k := len(order)
			if tt.topK > 0 {
				k = min(k, tt.topK)
			}
			want := make([]float64, len(logits))
			var sum float64
			for _, b := range order[:k] {
				want[b] = math.Exp(float64(logits[b]) / tt.temperature)
				sum += want[b]
			}
			s := &sampler{temperature: tt.temperature, topK: tt.topK, rng: rand.New(rand.NewPCG(3, 4))}
			counts := make([]float64, len(logits))
			for range draws {
				counts[s.next(logits)]++
			}
			for b := range want {
				p := want[b] / sum
				got := counts[b] / float64(draws)
				if p == 0 {
					if got != 0 {
						t.Errorf("byte %d, outside the top %d, drawn %d times", b, k, int(counts[b]))
					}
					continue
				}
				// Five standard deviations of a binomial frequency.
				if tol := 5 * math.Sqrt(p*(1-p)/float64(draws)); math.Abs(got-p) > tol {
					t.Errorf("byte %d: frequency %.4f, want %.4f ± %.4f", b, got, p, tol)
				}
			}
		})
	}
}

// TestGenerate checks generate on a model whose logits are a fixed
// function of the last byte fed, so that greedy sampling is predictable:
// the output starts after the prompt, follows the chain, and has the
// length asked for; an empty prompt starts from a newline.
func TestGenerate(t *testing.T) {
	m := chainModel{}
	greedy := &sampler{rng: rand.New(rand.NewPCG(1, 1))}
	for _, tt := range []struct {
		prompt string
		n      int
		want   string
	}{
		{"a", 3, "bcd"},
		{"xyza", 2, "bc"},
		{"", 3, "\x0b\x0c\x0d"}, // the byte after '\n' (10) is 11
		{"a", 0, ""},
	} {
		if got := string(generate(m, tt.prompt, tt.n, greedy)); got != tt.want {
			t.Errorf("generate(%q, %d) = %q, want %q", tt.prompt, tt.n, got, tt.want)
		}
	}
}

// chainModel is a languageModel stub for TestGenerate: after byte b it
// predicts b+1 (mod 256) with certainty. Only its generator is used.
type chainModel struct{ languageModel }

func (chainModel) generator(*autograd.Arena[float32]) generator { return &chainGenerator{} }

// chainGenerator is chainModel's generator.
type chainGenerator struct{ logits [vocab]float32 }

func (g *chainGenerator) feed(ids []int) []float32 {
	clear(g.logits[:])
	g.logits[(ids[len(ids)-1]+1)%vocab] = 10
	return g.logits[:]
}
