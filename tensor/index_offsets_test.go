package tensor_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

// naiveAxisOffsets is AxisOffsets computed from each element's
// coordinates: the reference of TestAxisOffsetsMatchNaive.
func naiveAxisOffsets(shape []int, axis int, index *tensor.Index) []int {
	r := len(shape)
	ax := (axis + r) % r
	ishape := index.Shape()
	out := make([]int, index.Len())
	for p, v := range index.Data() {
		off, q, st := 0, p, 1
		for d := r - 1; d >= 0; d-- {
			c := q % ishape[d]
			q /= ishape[d]
			if d == ax {
				c = v
			}
			off += c * st
			st *= shape[d]
		}
		out[p] = off
	}
	return out
}

// TestAxisOffsetsMatchNaive compares AxisOffsets with the coordinates'
// offsets for random ranks 1 to 4, every axis (negative too), indices
// smaller than the input on the other axes, and sizes 0 and 1.
func TestAxisOffsetsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		r := 1 + rng.IntN(4)
		shape, ishape := make([]int, r), make([]int, r)
		for d := range shape {
			shape[d] = 1 + rng.IntN(5)
			ishape[d] = rng.IntN(shape[d] + 1)
		}
		axis := rng.IntN(r)
		ishape[axis] = rng.IntN(7)
		if trial%2 == 1 {
			axis -= r
		}
		n := 1
		for _, d := range ishape {
			n *= d
		}
		iv := make([]int, n)
		for i := range iv {
			iv[i] = rng.IntN(shape[(axis+r)%r])
		}
		index := tensor.MustIndex(iv, ishape...)
		got := tensor.AxisOffsets(make([]int, n), shape, axis, index)
		if diff := cmp.Diff(naiveAxisOffsets(shape, axis, index), got); diff != "" {
			t.Fatalf("shape %v axis %d index %v: (-want +got)\n%s", shape, axis, ishape, diff)
		}
	}
}

// TestAxisOffsetsOutOfRange checks that a bad value in a later row is
// reported with its position.
func TestAxisOffsetsOutOfRange(t *testing.T) {
	for _, bad := range []int{-1, 4} {
		index := tensor.MustIndex([]int{0, 1, 2, 3, 0, bad}, 3, 2)
		func() {
			defer func() {
				var se *tensor.ShapeError
				err, _ := recover().(error)
				if !errors.As(err, &se) {
					t.Fatalf("value %d: recovered %v, want a *ShapeError", bad, err)
				}
				if want := "position [2 1]"; !strings.Contains(err.Error(), want) {
					t.Errorf("value %d: %q does not name %s", bad, err, want)
				}
			}()
			tensor.AxisOffsets(make([]int, 6), []int{3, 4}, 1, index)
		}()
	}
}

// BenchmarkAxisOffsets: the offsets of a [256 1024] index of random
// positions into x [256 4096] along axis 1, and into x [4096 256] along
// axis 0 (Scatter's and Gather's first step).
func BenchmarkAxisOffsets(b *testing.B) {
	for _, c := range []struct {
		name         string
		shape, index []int
		axis         int
	}{
		{"axis1", []int{256, 4096}, []int{256, 1024}, 1},
		{"axis0", []int{4096, 256}, []int{1024, 256}, 0},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		iv := make([]int, c.index[0]*c.index[1])
		for i := range iv {
			iv[i] = rng.IntN(c.shape[c.axis])
		}
		index := tensor.MustIndex(iv, c.index...)
		dst := make([]int, len(iv))
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				tensor.AxisOffsets(dst, c.shape, c.axis, index)
			}
		})
	}
}
