package tensor_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestArgTopKIntoIsArgsortPrefix: ArgTopKInto gives the first k positions
// of ArgsortInto's stable order, in both directions, for every k, along
// every axis, with many ties (values drawn from a few) and NaNs.
func TestArgTopKIntoIsArgsortPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, shape := range [][]int{{1}, {9}, {3, 17}, {4, 5, 6}, {2, 64}} {
		x := tensor.Zeros[float64](shape...)
		for i := range x.Data() {
			switch v := rng.IntN(8); v {
			case 7:
				x.Data()[i] = math.NaN()
			default:
				x.Data()[i] = float64(v % 4)
			}
		}
		for axis := range shape {
			outer, n, inner := tensor.AlongAxis(shape, axis)
			for _, largest := range []bool{true, false} {
				all := make([]int, x.Len())
				tensor.ArgsortInto(all, x, axis, largest, make([]int, 2*n))
				for k := 0; k <= n; k++ {
					want := make([]int, outer*k*inner)
					for o := range outer {
						copy(want[o*k*inner:(o+1)*k*inner], all[o*n*inner:(o*n+k)*inner])
					}
					got := make([]int, outer*k*inner)
					tensor.ArgTopKInto(got, x, k, axis, largest, make([]int, k))
					if d := cmp.Diff(want, got); d != "" {
						t.Fatalf("%v axis %d k %d largest %v (-argsort +topk):\n%s", shape, axis, k, largest, d)
					}
				}
			}
		}
	}
}

func TestArgTopKIntoPanics(t *testing.T) {
	x := tensor.Zeros[float32](2, 5)
	s := make([]int, 8)
	for _, c := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"k above n", func() { tensor.ArgTopKInto(make([]int, 12), x, 6, 1, true, s) }, "k 6 outside [0, 5]"},
		{"k negative", func() { tensor.ArgTopKInto(nil, x, -1, 1, true, s) }, "k -1 outside [0, 5]"},
		{"idx length", func() { tensor.ArgTopKInto(make([]int, 5), x, 2, 1, true, s) }, "5 indices for 2 slices of 2"},
		{"short scratch", func() { tensor.ArgTopKInto(make([]int, 6), x, 3, 1, true, s[:2]) }, "scratch of 2 ints, want 3"},
		{"shared scratch", func() { tensor.ArgTopKInto(s[:4], x, 2, 1, true, s[2:]) }, "idx and scratch share memory"},
		{"axis", func() { tensor.ArgTopKInto(make([]int, 2), x, 1, 2, true, s) }, "axis 2 out of range"},
	} {
		err, _ := panicOf(c.f).(*tensor.ShapeError)
		if err == nil || !strings.Contains(err.Error(), "ArgTopKInto") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: panicked with %v, want a *tensor.ShapeError saying %q", c.name, err, c.msg)
		}
	}
}

// BenchmarkTopK: a language model's top-50 of a 50,000-token vocabulary
// for 32 sequences, by selection (ArgTopKInto) and by a full argsort.
func BenchmarkTopK(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.RandNormal(rng, float32(0), 1, 32, 50000)
	const k = 50
	b.Run("select", func(b *testing.B) {
		idx, scratch := make([]int, 32*k), make([]int, k)
		for b.Loop() {
			tensor.ArgTopKInto(idx, x, k, 1, true, scratch)
		}
	})
	b.Run("argsort", func(b *testing.B) {
		idx, scratch := make([]int, x.Len()), make([]int, 2*50000)
		for b.Loop() {
			tensor.ArgsortInto(idx, x, 1, true, scratch)
		}
	})
}
