package vmath

import (
	"fmt"
	"math"
	"testing"
)

// The old scalar paths of package tensor, for comparison: package math in
// float64, one element at a time.
var scalarMath = map[string]func(float64) float64{
	"Exp":     math.Exp,
	"Log":     math.Log,
	"Tanh":    math.Tanh,
	"Sigmoid": sigmoidRef,
	"Erf":     math.Erf,
	"NormCDF": func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) },
	"GELU":    func(x float64) float64 { return x * 0.5 * math.Erfc(-x/math.Sqrt2) },
	"SiLU":    func(x float64) float64 { return x * sigmoidRef(x) },
	"Softplus": func(x float64) float64 {
		return math.Log1p(math.Exp(-math.Abs(x))) + max(x, 0)
	},
}

// BenchmarkKernels reports ns per element of every kernel (the dispatched
// path: AVX-512, AVX2 or Go) and of the old scalar math loops, for n = 4096
// (in L1/L2) and 10^6 (in L3 or memory).
func BenchmarkKernels(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchKernels(b, kernels32()) })
	b.Run("float64", func(b *testing.B) { benchKernels(b, kernels64()) })
}

func benchKernels[T float32 | float64](b *testing.B, ks []impl[T]) {
	for _, n := range []int{4096, 1_000_000} {
		x, g, dst := make([]T, n), make([]T, n), make([]T, n)
		for i := range x {
			x[i] = T(float64(i%2000)/200 - 5) // [-5, 5), where the activations work
			g[i] = 1
		}
		for _, k := range ks {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				for b.Loop() {
					if k.grad != nil {
						k.api3(dst, x, g)
					} else {
						k.api(dst, x)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
			f, ok := scalarMath[k.name]
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("%s-math/n=%d", k.name, n), func(b *testing.B) {
				for b.Loop() {
					for i, v := range x {
						dst[i] = T(f(float64(v)))
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}

// BenchmarkPairKernels reports ns per element of the pair kernels (both
// results, the dispatched path), to set beside the two kernels they
// replace in BenchmarkKernels.
func BenchmarkPairKernels(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchPairs(b, pairs32()) })
	b.Run("float64", func(b *testing.B) { benchPairs(b, pairs64()) })
}

func benchPairs[T float32 | float64](b *testing.B, ps []pairImpl[T]) {
	for _, n := range []int{4096, 1_000_000} {
		x, d, dst := make([]T, n), make([]T, n), make([]T, n)
		for i := range x {
			x[i] = T(float64(i%2000)/200 - 5)
		}
		for _, p := range ps {
			b.Run(fmt.Sprintf("%s/n=%d", p.name, n), func(b *testing.B) {
				for b.Loop() {
					p.api(dst, d, x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}
