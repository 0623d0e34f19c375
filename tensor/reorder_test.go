package tensor

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestReorderSmallCases(t *testing.T) {
	x := MustNew([]float64{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
	}, 3, 4)
	into := func(shape []int, f func(dst *Tensor[float64])) *Tensor[float64] {
		d := Zeros[float64](shape...)
		f(d)
		return d
	}
	tests := []struct {
		name  string
		got   *Tensor[float64]
		shape []int
		want  []float64
	}{
		{"Flip rows and columns", into([]int{3, 4}, func(d *Tensor[float64]) { FlipInto(d, x, 0, -1) }), []int{3, 4},
			[]float64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"Flip no axes", into([]int{3, 4}, func(d *Tensor[float64]) { FlipInto(d, x) }), []int{3, 4},
			[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"Flip 0-d along axis -1", into([]int{}, func(d *Tensor[float64]) { FlipInto(d, Scalar(7.0), -1) }), []int{},
			[]float64{7}},
		{"Roll flattened by -5", into([]int{3, 4}, func(d *Tensor[float64]) { RollInto(d, x, []int{-5}, nil) }), []int{3, 4},
			[]float64{6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5}},
		{"Roll 1 down, 1 right", into([]int{3, 4}, func(d *Tensor[float64]) { RollInto(d, x, []int{1, 1}, []int{0, 1}) }), []int{3, 4},
			[]float64{12, 9, 10, 11, 4, 1, 2, 3, 8, 5, 6, 7}},
		{"Tril k 0", into([]int{3, 4}, func(d *Tensor[float64]) { TrilInto(d, x, 0) }), []int{3, 4},
			[]float64{1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0}},
		{"Triu k 1", into([]int{3, 4}, func(d *Tensor[float64]) { TriuInto(d, x, 1) }), []int{3, 4},
			[]float64{0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12}},
		{"Triu k -1", into([]int{3, 4}, func(d *Tensor[float64]) { TriuInto(d, x, -1) }), []int{3, 4},
			[]float64{1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12}},
		{"Diagonal main", into([]int{3}, func(d *Tensor[float64]) { DiagonalInto(d, x, 0, 0, 1) }), []int{3}, []float64{1, 6, 11}},
		{"Diagonal offset 2", into([]int{2}, func(d *Tensor[float64]) { DiagonalInto(d, x, 2, 0, 1) }), []int{2}, []float64{3, 8}},
		{"Diagonal offset -1 axes swapped", into([]int{3}, func(d *Tensor[float64]) { DiagonalInto(d, x, -1, 1, 0) }), []int{3},
			[]float64{2, 7, 12}},
		{"Repeat 1 2", into([]int{3, 8}, func(d *Tensor[float64]) { RepeatInto(d, x, []int{1, 2}) }), []int{3, 8},
			[]float64{1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 9, 10, 11, 12, 9, 10, 11, 12}},
		{"RepeatInterleave each 0 2 1 along rows", into([]int{3, 4}, func(d *Tensor[float64]) { RepeatInterleaveInto(d, x, []int{0, 2, 1}, 0) }),
			[]int{3, 4}, []float64{5, 6, 7, 8, 5, 6, 7, 8, 9, 10, 11, 12}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkTensor(t, tc.name, tc.got, tc.shape, tc.want, 0) })
	}
}

// TestReorderAdjoints checks every move against its adjoint on random
// tensors: <Move(x), y> = <x, Adjoint(y)>, and each move against a naive
// per-element reference where one is short.
func TestReorderAdjoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type move struct {
		name        string
		in, out     []int
		fwd, adjAdd func(dst, src *Tensor[float64])
	}
	moves := []move{
		{"Flip", []int{2, 3, 4}, []int{2, 3, 4},
			func(d, s *Tensor[float64]) { FlipInto(d, s, 0, 2) }, func(d, s *Tensor[float64]) { FlipInto(d, s, 0, 2) }},
		{"Roll", []int{3, 4, 2}, []int{3, 4, 2},
			func(d, s *Tensor[float64]) { RollInto(d, s, []int{2, -7, 1}, []int{0, 1, 1}) },
			func(d, s *Tensor[float64]) { RollBackInto(d, s, []int{2, -7, 1}, []int{0, 1, 1}) }},
		{"Tril", []int{2, 3, 5}, []int{2, 3, 5},
			func(d, s *Tensor[float64]) { TrilInto(d, s, 1) }, func(d, s *Tensor[float64]) { TrilInto(d, s, 1) }},
		{"Diagonal", []int{3, 2, 4}, []int{2, 3},
			func(d, s *Tensor[float64]) { DiagonalInto(d, s, -1, -1, 0) },
			func(d, s *Tensor[float64]) { d.Fill(0); DiagonalAddInto(d, s, -1, -1, 0) }},
		{"Repeat", []int{2, 3}, []int{2, 4, 3},
			func(d, s *Tensor[float64]) { RepeatInto(d, s, []int{2, 2, 1}) },
			func(d, s *Tensor[float64]) { d.Fill(0); RepeatAddInto(d, s, []int{2, 2, 1}) }},
		{"RepeatInterleave", []int{2, 3, 2}, []int{2, 6, 2},
			func(d, s *Tensor[float64]) { RepeatInterleaveInto(d, s, []int{1, 3, 2}, -2) },
			func(d, s *Tensor[float64]) { d.Fill(0); RepeatInterleaveAddInto(d, s, []int{1, 3, 2}, -2) }},
		{"Cumsum", []int{3, 4}, []int{3, 4},
			func(d, s *Tensor[float64]) { CumsumInto(d, s, 0, false) }, func(d, s *Tensor[float64]) { CumsumInto(d, s, 0, true) }},
	}
	dot := func(a, b *Tensor[float64]) float64 {
		var s float64
		for i, v := range a.Data() {
			s += v * b.Data()[i]
		}
		return s
	}
	for _, m := range moves {
		x := RandUniform[float64](rng, -1, 1, m.in...)
		y := RandUniform[float64](rng, -1, 1, m.out...)
		mx, ay := Zeros[float64](m.out...), Zeros[float64](m.in...)
		m.fwd(mx, x)
		m.adjAdd(ay, y)
		if l, r := dot(mx, y), dot(x, ay); !approxEq(l, r, 1e-12) {
			t.Errorf("%s: <Move(x), y> = %v, <x, Adjoint(y)> = %v", m.name, l, r)
		}
	}
}

func approxEq(a, b, tol float64) bool {
	d := a - b
	return d <= tol*(1+max(a, -a, b, -b)) && -d <= tol*(1+max(a, -a, b, -b))
}

// TestRollAndRepeatAgainstNaive compares with index arithmetic element by
// element on a 3-d shape.
func TestRollAndRepeatAgainstNaive(t *testing.T) {
	shape := []int{2, 3, 4}
	x := RandUniform[float64](rand.New(rand.NewPCG(7, 8)), -1, 1, shape...)
	shifts, axes := []int{-1, 5}, []int{2, 1}
	got := Zeros[float64](shape...)
	RollInto(got, x, shifts, axes)
	for off := range x.Len() {
		c := unravel(off, shape)
		c[2] = ((c[2]-shifts[0])%4 + 4) % 4
		c[1] = ((c[1]-shifts[1])%3 + 3) % 3
		if w := x.Data()[ravel(c, shape)]; got.Data()[off] != w {
			t.Fatalf("Roll at %v: %v, want %v", unravel(off, shape), got.Data()[off], w)
		}
	}
	reps := []int{2, 1, 2, 3}
	big := Zeros[float64](AppendRepeatShape(nil, shape, reps)...)
	RepeatInto(big, x, reps)
	for off := range big.Len() {
		c := unravel(off, big.Shape())[1:]
		for i := range c {
			c[i] %= shape[i]
		}
		if w := x.Data()[ravel(c, shape)]; big.Data()[off] != w {
			t.Fatalf("Repeat at %v: %v, want %v", unravel(off, big.Shape()), big.Data()[off], w)
		}
	}
}

func TestReorderErrors(t *testing.T) {
	x := Zeros[float64](2, 3)
	wantShapePanic(t, "tensor: FlipInto: axis -2 repeated: [2 3]", func() { FlipInto(Zeros[float64](2, 3), x, 0, -2) })
	wantShapePanic(t, "tensor: FlipInto: axis 1 out of range: []", func() { FlipInto(Scalar(0.0), Scalar(1.0), 1) })
	v := MustNew([]float64{0, 1, 2, 3, 4}, 5)
	wantShapePanic(t, "tensor: FlipInto: dst shares memory with an operand: give it a tensor of its own: [5] x [5]", func() { FlipInto(v, v, 0) })
	wantShapePanic(t, "tensor: RollInto: dst shares memory with an operand: give it a tensor of its own: [5] x [5]", func() { RollInto(v, v, []int{1}, []int{0}) })
	if !slices.Equal(v.Data(), []float64{0, 1, 2, 3, 4}) {
		t.Errorf("a refused in-place FlipInto or RollInto changed x: %v", v.Data())
	}
	wantShapePanic(t, "tensor: FlipInto: axis -1 repeated: []", func() { FlipInto(Scalar(0.0), Scalar(1.0), 0, -1) })
	wantShapePanic(t, "tensor: RollInto: 2 shifts without axes, want 1: [2 3]", func() { RollInto(Zeros[float64](2, 3), x, []int{1, 2}, nil) })
	wantShapePanic(t, "tensor: TrilInto: needs at least two axes: [3]", func() { TrilInto(Zeros[float64](3), Zeros[float64](3), 0) })
	wantShapePanic(t, "tensor: Diagonal: axes 1 and -1 are the same: [2 3]", func() { AppendDiagonalShape(nil, []int{2, 3}, 0, 1, -1) })
	wantShapePanic(t, "tensor: Repeat: 1 repeats for 2 axes: give one per axis at least: [2 3]", func() { AppendRepeatShape(nil, []int{2, 3}, []int{2}) })
	wantShapePanic(t, "tensor: RepeatInterleave: 2 repeats for 3 elements along axis 1: [2 3]", func() {
		AppendRepeatInterleaveShape(nil, []int{2, 3}, []int{1, 2}, 1)
	})
}
