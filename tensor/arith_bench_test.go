package tensor

import "testing"

// BenchmarkAddInto is the data-parallel trainer's gradient sum (a same-shape
// AddInto over the 784-256-128-10 MLP's parameters) and a residual add of a
// transformer (same shapes, 64×128) and a bias row over it.
func BenchmarkAddInto(b *testing.B) {
	for _, c := range []struct {
		name  string
		a, bs []int
	}{
		{"grads235146", []int{235146}, []int{235146}},
		{"residual64x128", []int{64, 128}, []int{64, 128}},
		{"biasrow64x128", []int{64, 128}, []int{128}},
	} {
		x, y, d := Ones[float32](c.a...), Ones[float32](c.bs...), Zeros[float32](c.a...)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(12 * len(d.data)))
			for b.Loop() {
				AddInto(d, x, y)
			}
		})
	}
}
