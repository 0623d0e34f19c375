package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSoftmaxRowsFusedMatchesRecorded checks that the row-by-row fused
// derivatives of Softmax and LogSoftmax along the last axis give the bits
// of the recorded derivatives (Grad with CreateGraph), in float32 and
// float64, with a fresh gradient buffer and an accumulating one (the op
// applied twice), for rows shorter and longer than a tile.
func TestSoftmaxRowsFusedMatchesRecorded(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkSoftmaxRowsFused[float32](t) })
	t.Run("float64", func(t *testing.T) { checkSoftmaxRowsFused[float64](t) })
}

func checkSoftmaxRowsFused[T autograd.Float](t *testing.T) {
	ops := map[string]func(*autograd.Var[T], int) *autograd.Var[T]{
		"Softmax": autograd.Softmax[T], "LogSoftmax": autograd.LogSoftmax[T],
	}
	for name, op := range ops {
		for _, shape := range [][]int{{5}, {3, 17}, {2, 3, 64}, {4, 300}, {2, 1000}} {
			t.Run(fmt.Sprintf("%s/%v", name, shape), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				x := tensor.RandUniform[T](rng, -4, 4, shape...)
				w := tensor.RandNormal[T](rng, 0, 1, shape...)
				grad := func(opts ...autograd.Option) []uint64 {
					p := autograd.Param(x)
					y := autograd.Add(autograd.Sum(autograd.Mul(op(p, -1), autograd.Const(w))), autograd.Sum(op(p, -1)))
					g := autograd.Grad([]*autograd.Var[T]{y}, []*autograd.Var[T]{p}, opts...)[0].Value().Data()
					b := make([]uint64, len(g))
					for i, v := range g {
						b[i] = math.Float64bits(float64(v))
					}
					return b
				}
				if diff := cmp.Diff(grad(autograd.CreateGraph()), grad()); diff != "" {
					t.Errorf("fused gradient bits differ from the recorded (-recorded +fused):\n%s", diff)
				}
			})
		}
	}
}
