package layers_test

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// An independent reference for the recurrent layers: plain float64 loops,
// one batch row, one time step and one unit at a time, straight from
// PyTorch's documented equations.

// refNet is a recurrent layer's configuration and weights as plain slices.
type refNet struct {
	kind         string // "rnn_tanh", "rnn_relu", "lstm", "gru"
	layers, dirs int
	in, hidden   int
	w            []layers.RecurrentWeights[float64] // index layer·dirs + direction
}

func sigm(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// affine returns W·v + b (b may be nil) for W [rows, len(v)].
func affine(w, b *tensor.Tensor[float64], v []float64) []float64 {
	rows, cols := w.Dim(0), w.Dim(1)
	out := make([]float64, rows)
	for r := range rows {
		s := 0.0
		if b != nil {
			s = b.Data()[r]
		}
		for k := range cols {
			s += w.Data()[r*cols+k] * v[k]
		}
		out[r] = s
	}
	return out
}

// cell runs one step of the net's cell for one row.
func (n *refNet) cell(w layers.RecurrentWeights[float64], x, h, c []float64) (hNew, cNew []float64) {
	bi, bh := valueOrNil(w.BiasIH), valueOrNil(w.BiasHH)
	gi, gh := affine(w.WeightIH.Value(), bi, x), affine(w.WeightHH.Value(), bh, h)
	H := n.hidden
	hNew = make([]float64, H)
	switch n.kind {
	case "rnn_tanh", "rnn_relu":
		for j := range H {
			v := gi[j] + gh[j]
			if n.kind == "rnn_tanh" {
				hNew[j] = math.Tanh(v)
			} else {
				hNew[j] = math.Max(v, 0)
			}
		}
	case "lstm":
		cNew = make([]float64, H)
		for j := range H {
			i, f := sigm(gi[j]+gh[j]), sigm(gi[H+j]+gh[H+j])
			g, o := math.Tanh(gi[2*H+j]+gh[2*H+j]), sigm(gi[3*H+j]+gh[3*H+j])
			cNew[j] = f*c[j] + i*g
			hNew[j] = o * math.Tanh(cNew[j])
		}
	case "gru":
		for j := range H {
			r, z := sigm(gi[j]+gh[j]), sigm(gi[H+j]+gh[H+j])
			nn := math.Tanh(gi[2*H+j] + r*gh[2*H+j])
			hNew[j] = (1-z)*nn + z*h[j]
		}
	}
	return hNew, cNew
}

func valueOrNil(v *autograd.Var[float64]) *tensor.Tensor[float64] {
	if v == nil {
		return nil
	}
	return v.Value()
}

// run returns the output [L, N, D·H] and final states [layers·D, N, H] for
// x [L, N, in], initial states (nil: zeros) and lengths (nil: all L).
func (n *refNet) run(x, h0, c0 *tensor.Tensor[float64], lengths []int) (out, hn, cn *tensor.Tensor[float64]) {
	L, N, H, D := x.Dim(0), x.Dim(1), n.hidden, n.dirs
	if lengths == nil {
		lengths = make([]int, N)
		for b := range lengths {
			lengths[b] = L
		}
	}
	in := make([][][]float64, L) // [t][b] features
	for t := range L {
		in[t] = make([][]float64, N)
		for b := range N {
			in[t][b] = append([]float64(nil), x.Data()[(t*N+b)*x.Dim(2):(t*N+b+1)*x.Dim(2)]...)
		}
	}
	state := func(s *tensor.Tensor[float64], k, b int) []float64 {
		if s == nil {
			return make([]float64, H)
		}
		return append([]float64(nil), s.Data()[(k*N+b)*H:(k*N+b+1)*H]...)
	}
	hn, cn = tensor.Zeros[float64](n.layers*D, N, H), tensor.Zeros[float64](n.layers*D, N, H)
	for l := range n.layers {
		next := make([][][]float64, L)
		for t := range L {
			next[t] = make([][]float64, N)
			for b := range N {
				next[t][b] = make([]float64, D*H)
			}
		}
		for d := range D {
			k := l*D + d
			for b := range N {
				h, c := state(h0, k, b), state(c0, k, b)
				for s := range lengths[b] {
					t := s
					if d == 1 {
						t = lengths[b] - 1 - s
					}
					h, c = n.cell(n.w[k], in[t][b], h, c)
					copy(next[t][b][d*H:], h)
				}
				copy(hn.Data()[(k*N+b)*H:], h)
				if c != nil {
					copy(cn.Data()[(k*N+b)*H:], c)
				}
			}
		}
		in = next
	}
	out = tensor.Zeros[float64](L, N, D*H)
	for t := range L {
		for b := range N {
			copy(out.Data()[(t*N+b)*D*H:], in[t][b])
		}
	}
	return out, hn, cn
}
