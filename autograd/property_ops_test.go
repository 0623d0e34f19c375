package autograd_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The random-graph generator's op list: one builder per exported op.

// rgOp is one entry of the op list: the exported op it exercises and a
// builder that appends it (with any adapters) to a graph. A builder passes
// the op's arguments through smoothArgs, which keeps them where the op is
// smooth (see rgSmoothness). It returns false when the op does not fit the
// graph's current shapes or values; the generator then applies Tanh
// instead.
type rgOp struct {
	name  string
	build func(g *rgGraph) bool
}

// rgOps is the op list, covering every exported op (see
// TestRandomGraphOpsCoverOpTable). Simple ops come first: rapid shrinks
// choices towards 0.
var rgOps = rgOpList()

func rgOpList() []rgOp {
	var ops []rgOp
	addOp := func(name string, build func(g *rgGraph) bool) { ops = append(ops, rgOp{name, build}) }

	// Binary ops with broadcasting.
	binary := func(name string, f func(a, b *V) *V) {
		addOp(name, func(g *rgGraph) bool {
			a := g.pick()
			b := g.operand(g.partner(g.shape(a)))
			if g.src.intn(2, "swap operands") == 0 {
				a, b = b, a
			}
			args := g.smoothArgs(name, nil, a, b)
			g.add(name, fmt.Sprintf("%s(%s)", name, g.names(args)), func(x []*V) *V { return f(x[0], x[1]) }, args...)
			return true
		})
	}
	binary("Add", autograd.Add[float64])
	binary("Sub", autograd.Sub[float64])
	binary("Mul", autograd.Mul[float64])
	binary("Div", autograd.Div[float64])
	binary("Maximum", autograd.Maximum[float64])
	binary("Minimum", autograd.Minimum[float64])
	binary("PowVar", autograd.PowVar[float64])
	addOp("Where", func(g *rgGraph) bool {
		a := g.pick()
		b := g.operand(g.partner(g.shape(a)))
		bs, _ := tensor.BroadcastShapes(g.shape(a), g.shape(b))
		rng := newRand(g.src.seed("mask"))
		mask := make([]bool, numel(bs))
		var m strings.Builder
		for k := range mask {
			mask[k] = rng.IntN(2) == 0
			m.WriteByte("01"[b2i(mask[k])])
		}
		g.add("Where", fmt.Sprintf("Where(mask %s, %s, %s)", m.String(), g.nm(a), g.nm(b)), func(x []*V) *V { return autograd.Where(tensor.MustMask(mask, bs...), x[0], x[1]) }, a, b)
		return true
	})

	// Unary elementwise ops, some with a constant drawn from a list.
	unary := func(name string, f func(x *V) *V) {
		addOp(name, func(g *rgGraph) bool {
			g.unary(name, name, f, g.smoothArgs(name, nil, g.pick())[0])
			return true
		})
	}
	withConst := func(name string, consts []float64, f func(x *V, c float64) *V) {
		addOp(name, func(g *rgGraph) bool {
			c := consts[g.src.intn(len(consts), "constant")]
			x := g.smoothArgs(name, []float64{c}, g.pick())[0]
			g.unary(name, fmt.Sprintf("%s[%g]", name, c), func(x *V) *V { return f(x, c) }, x)
			return true
		})
	}
	// Every pointwise op of the op table without parameters, as declared.
	for _, op := range autograd.Ops() {
		if op.Family == autograd.FamilyPointwise && len(op.Params) == 0 {
			unary(op.Name, func(x *V) *V { return op.Apply64(x) })
		}
	}
	withConst("Scale", []float64{-1.5, 0.5, 2, -0.25}, autograd.Scale[float64])
	withConst("Pow", []float64{2, 3, 1, 0.5, 1.5, -1, -0.5, -2.5}, autograd.Pow[float64])
	withConst("LeakyReLU", []float64{0.01, 0.2, -0.5}, autograd.LeakyReLU[float64])
	withConst("ELU", []float64{1, 0.5, 2}, autograd.ELU[float64])
	clamps := [][2]float64{{-1, 1}, {-0.5, 0.75}, {0, 2}}
	addOp("Clamp", func(g *rgGraph) bool {
		c := clamps[g.src.intn(len(clamps), "clamp bounds")]
		x := g.smoothArgs("Clamp", c[:], g.pick())[0]
		g.unary("Clamp", fmt.Sprintf("Clamp[%g, %g]", c[0], c[1]), func(x *V) *V { return autograd.Clamp(x, c[0], c[1]) }, x)
		return true
	})

	// Reductions.
	reduction := func(name string, f func(x *V, axes ...int) *V) {
		addOp(name, func(g *rgGraph) bool {
			x := g.smoothArgs(name, nil, g.pick())[0]
			ax := g.axes(g.shape(x))
			g.add(name, fmt.Sprintf("%s(%s%s)", name, g.nm(x), axesText(ax)), func(a []*V) *V { return f(a[0], ax...) }, x)
			return true
		})
	}
	reduction("Sum", autograd.Sum[float64])
	reduction("SumKeepDims", autograd.SumKeepDims[float64])
	reduction("Mean", autograd.Mean[float64])
	reduction("MeanKeepDims", autograd.MeanKeepDims[float64])
	reduction("LogSumExp", autograd.LogSumExp[float64])
	reduction("LogSumExpKeepDims", autograd.LogSumExpKeepDims[float64])
	reduction("Max", autograd.Max[float64])
	reduction("MaxKeepDims", autograd.MaxKeepDims[float64])
	reduction("Min", autograd.Min[float64])
	reduction("MinKeepDims", autograd.MinKeepDims[float64])
	for _, name := range []string{"Variance", "Std"} {
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			ax := g.axes(g.shape(x))
			corr := g.src.intn(2, "correction")
			if reducedCount(g.shape(x), ax)-corr < 1 {
				corr = 0
			}
			f := func(a []*V) *V { return autograd.Variance(a[0], corr, ax...) }
			if name == "Std" {
				// Std is singular where the variance is 0: use it only
				// where every slice varies.
				if minOf(autograd.Variance(autograd.Const(g.vals[x]), corr, ax...).Value()) < rgSmoothness["Std"].minVariance {
					return false
				}
				f = func(a []*V) *V { return autograd.Std(a[0], corr, ax...) }
			}
			g.add(name, fmt.Sprintf("%s(%s, correction %d%s)", name, g.nm(x), corr, axesText(ax)), f, x)
			return true
		})
	}
	for _, name := range []string{"Softmax", "LogSoftmax"} {
		f := map[string]func(*V, int) *V{"Softmax": autograd.Softmax[float64], "LogSoftmax": autograd.LogSoftmax[float64]}[name]
		addOp(name, func(g *rgGraph) bool {
			x := g.atLeast1D(g.pick())
			ax := g.axis(len(g.shape(x)))
			g.add(name, fmt.Sprintf("%s(%s, axis %d)", name, g.nm(x), ax), func(a []*V) *V { return f(a[0], ax) }, x)
			return true
		})
	}
	addOp("LayerNorm", func(g *rgGraph) bool {
		x := g.atLeast1D(g.pick())
		s := g.shape(x)
		nd := 1 + g.src.intn(len(s), "normalized axes")
		eps := []float64{1e-5, 0.1}[g.src.intn(2, "eps")]
		axes := make([]int, nd)
		for k := range axes {
			axes[k] = len(s) - nd + k
		}
		// Singular as the variance of a slice goes to 0 (as Std, but for
		// eps): use it only where every slice varies.
		if minOf(autograd.Variance(autograd.Const(g.vals[x]), 0, axes...).Value()) < rgSmoothness["LayerNorm"].minVariance {
			return false
		}
		args := []int{x}
		affine := g.src.intn(4, "weight and bias") // 0 none, 1 weight, 2 bias, 3 both
		if affine&1 != 0 {
			args = append(args, g.operand(s[len(s)-nd:]))
		}
		if affine&2 != 0 {
			args = append(args, g.operand(s[len(s)-nd:]))
		}
		g.add("LayerNorm", fmt.Sprintf("LayerNorm(%s, weight %v, bias %v, normalized axes %d, eps %g)", g.names(args), affine&1 != 0, affine&2 != 0, nd, eps),
			func(a []*V) *V {
				var w, b *V
				rest := a[1:]
				if affine&1 != 0 {
					w, rest = rest[0], rest[1:]
				}
				if affine&2 != 0 {
					b = rest[0]
				}
				return autograd.LayerNorm(a[0], w, b, nd, eps)
			}, args...)
		return true
	})

	// Linear algebra.
	addOp("MatMul", func(g *rgGraph) bool {
		a := g.atLeast1D(g.pick())
		as := g.shape(a)
		k := as[len(as)-1]
		n := 1 + g.src.intn(3, "n")
		var bs []int
		switch g.src.intn(3, "matmul form") {
		case 0: // b a vector: dot product or matrix-vector
			bs = []int{k}
		case 1: // b a matrix
			bs = []int{k, n}
		default: // b batched, broadcasting against a's batch axes
			var batch []int
			if len(as) > 2 {
				batch = g.partner(as[:len(as)-2])
			} else {
				batch = []int{1 + g.src.intn(3, "batch")}
			}
			bs = append(batch, k, n)
		}
		if numel(bs) > rgMaxElems {
			bs = []int{k}
		}
		b := g.operand(bs)
		if r := matmulSize(as, bs); r > rgMaxElems {
			return false
		}
		g.add("MatMul", fmt.Sprintf("MatMul(%s, %s)", g.nm(a), g.nm(b)), func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, a, b)
		return true
	})
	addOp("MatMulT", func(g *rgGraph) bool {
		a := g.pick()
		if len(g.shape(a)) < 2 {
			a = g.fit(a, []int{1 + g.src.intn(4, "rows"), 1 + g.src.intn(4, "cols")})
		}
		as := g.shape(a)
		r := len(as)
		ta, tb := g.src.intn(2, "transpose a") == 0, g.src.intn(2, "transpose b") == 0
		m, k := as[r-2], as[r-1]
		if ta {
			m, k = k, m
		}
		n := 1 + g.src.intn(3, "n")
		b2 := []int{k, n}
		if tb {
			b2 = []int{n, k}
		}
		var batch []int
		if g.src.intn(2, "batched b") == 0 {
			if r > 2 {
				batch = g.partner(as[:r-2])
			} else {
				batch = []int{1 + g.src.intn(3, "batch")}
			}
		}
		bs := append(batch, b2...)
		outBatch, _ := tensor.BroadcastShapes(as[:r-2], batch)
		if numel(bs) > rgMaxElems || numel(outBatch)*m*n > rgMaxElems {
			return false
		}
		b := g.operand(bs)
		g.add("MatMulT", fmt.Sprintf("MatMulT(%s, %s, transA=%v, transB=%v)", g.nm(a), g.nm(b), ta, tb),
			func(x []*V) *V { return autograd.MatMulT(x[0], x[1], ta, tb) }, a, b)
		return true
	})
	addOp("Linear", func(g *rgGraph) bool {
		x := g.matrix(g.pick())
		xs := g.shape(x)
		out := 1 + g.src.intn(3, "out features")
		if xs[0]*out > rgMaxElems || out*xs[1] > rgMaxElems {
			return false
		}
		args := []int{x, g.operand([]int{out, xs[1]})}
		if g.src.intn(2, "bias") == 0 {
			args = append(args, g.operand([]int{out}))
		}
		g.add("Linear", fmt.Sprintf("Linear(%s)", g.names(args)), linearOf[float64], args...)
		return true
	})
	addOp("Transpose", func(g *rgGraph) bool {
		g.unary("Transpose", "Transpose", autograd.Transpose[float64], g.matrix(g.pick()))
		return true
	})

	// Shape ops.
	addOp("Reshape", func(g *rgGraph) bool {
		x := g.pick()
		s := g.factorShape(numel(g.shape(x)))
		g.add("Reshape", fmt.Sprintf("Reshape(%s, %s)", g.nm(x), ints(s)), func(a []*V) *V { return autograd.Reshape(a[0], s...) }, x)
		return true
	})
	addOp("Permute", func(g *rgGraph) bool {
		x := g.pick()
		r := len(g.shape(x))
		perm := make([]int, r)
		for k := range perm {
			perm[k] = k
		}
		for k := r - 1; k > 0; k-- {
			j := g.src.intn(k+1, "permutation")
			perm[k], perm[j] = perm[j], perm[k]
		}
		for k := range perm {
			if g.src.intn(3, "negative axis") == 0 {
				perm[k] -= r
			}
		}
		g.add("Permute", fmt.Sprintf("Permute(%s, %s)", g.nm(x), ints(perm)), func(a []*V) *V { return autograd.Permute(a[0], perm...) }, x)
		return true
	})
	addOp("Squeeze", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		var ones []int
		for k, d := range s {
			if d == 1 {
				ones = append(ones, k)
			}
		}
		if len(ones) == 0 {
			return false
		}
		var ax []int // none: every size-1 axis
		if g.src.intn(2, "squeeze all") == 0 {
			for _, k := range ones {
				if g.src.intn(2, "squeeze axis") == 0 {
					if g.src.intn(2, "negative axis") == 0 {
						k -= len(s)
					}
					ax = append(ax, k)
				}
			}
		}
		g.add("Squeeze", fmt.Sprintf("Squeeze(%s, axes %v)", g.nm(x), ax), func(a []*V) *V { return autograd.Squeeze(a[0], ax...) }, x)
		return true
	})
	addOp("Unsqueeze", func(g *rgGraph) bool {
		x := g.pick()
		r := len(g.shape(x))
		ax := g.src.intn(2*r+2, "axis") - (r + 1) // -(r+1) … r
		g.add("Unsqueeze", fmt.Sprintf("Unsqueeze(%s, %d)", g.nm(x), ax), func(a []*V) *V { return autograd.Unsqueeze(a[0], ax) }, x)
		return true
	})
	for _, name := range []string{"Expand", "BroadcastTo"} {
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			s := g.shape(x)
			lead := make([]int, g.src.intn(3, "new leading axes"))
			for k := range lead {
				lead[k] = 1 + g.src.intn(3, "dim")
			}
			target := append(lead, s...)
			for k, d := range s {
				if d == 1 {
					target[len(lead)+k] = 1 + g.src.intn(3, "expanded dim")
				}
			}
			if numel(target) > rgMaxElems {
				return false
			}
			arg := slices.Clone(target)
			if name == "Expand" {
				for k := len(lead); k < len(arg); k++ {
					if arg[k] == s[k-len(lead)] && g.src.intn(2, "-1") == 0 {
						arg[k] = -1
					}
				}
				g.add(name, fmt.Sprintf("Expand(%s, %s)", g.nm(x), ints(arg)), func(a []*V) *V { return autograd.Expand(a[0], arg...) }, x)
			} else {
				g.add(name, fmt.Sprintf("BroadcastTo(%s, %s)", g.nm(x), ints(arg)), func(a []*V) *V { return autograd.BroadcastTo(a[0], arg...) }, x)
			}
			return true
		})
	}
	addOp("SumTo", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		target := slices.Clone(s[g.src.intn(len(s)+1, "drop leading axes"):])
		for k := range target {
			if g.src.intn(2, "size-1 axis") == 0 {
				target[k] = 1
			}
		}
		g.add("SumTo", fmt.Sprintf("SumTo(%s, %s)", g.nm(x), ints(target)), func(a []*V) *V { return autograd.SumTo(a[0], target...) }, x)
		return true
	})
	addOp("Slice", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		rs := make([]autograd.Range, g.src.intn(len(s)+1, "sliced axes"))
		for k := range rs {
			rs[k] = g.randRange(s[k])
		}
		g.add("Slice", fmt.Sprintf("Slice(%s, %s)", g.nm(x), rangesText(rs)), func(a []*V) *V { return autograd.Slice(a[0], rs...) }, x)
		return true
	})
	addOp("Pad", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		widths := make([][2]int, len(s))
		out := slices.Clone(s)
		for k := range widths {
			widths[k] = [2]int{g.src.intn(3, "pad before"), g.src.intn(3, "pad after")}
			out[k] += widths[k][0] + widths[k][1]
		}
		if numel(out) > rgMaxElems {
			return false
		}
		v := []float64{0, 0.5, -1}[g.src.intn(3, "pad value")]
		g.add("Pad", fmt.Sprintf("Pad(%s, %v, %g)", g.nm(x), widths, v), func(a []*V) *V { return autograd.Pad(a[0], widths, v) }, x)
		return true
	})
	addOp("Concat", func(g *rgGraph) bool {
		x := g.atLeast1D(g.pick())
		s := g.shape(x)
		ax := g.axis(len(s))
		axp := ax
		if axp < 0 {
			axp += len(s)
		}
		args := []int{x}
		total := s[axp]
		for range 1 + g.src.intn(2, "more operands") {
			o := slices.Clone(s)
			o[axp] = 1 + g.src.intn(3, "size along axis")
			total += o[axp]
			args = append(args, g.operand(o))
		}
		if numel(s)/s[axp]*total > rgMaxElems {
			return false
		}
		pos := g.src.intn(len(args), "position of the first operand")
		args[0], args[pos] = args[pos], args[0]
		g.add("Concat", fmt.Sprintf("Concat(%d, %s)", ax, g.names(args)), func(a []*V) *V { return autograd.Concat(ax, a...) }, args...)
		return true
	})
	addOp("Stack", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		args := []int{x}
		for range 1 + g.src.intn(2, "more operands") {
			args = append(args, g.operand(s))
		}
		if numel(s)*len(args) > rgMaxElems {
			return false
		}
		r := len(s)
		ax := g.src.intn(2*r+2, "axis") - (r + 1)
		g.add("Stack", fmt.Sprintf("Stack(%d, %s)", ax, g.names(args)), func(a []*V) *V { return autograd.Stack(ax, a...) }, args...)
		return true
	})
	addOp("Split", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		var splittable []int
		for k, d := range s {
			if d >= 2 {
				splittable = append(splittable, k)
			}
		}
		if len(splittable) == 0 {
			x = g.fit(x, []int{2 + g.src.intn(3, "length")})
			s, splittable = g.shape(x), []int{0}
		}
		ax := splittable[g.src.intn(len(splittable), "axis")]
		n := s[ax]
		var sizes []int
		for rest := n; rest > 0; {
			p := 1 + g.src.intn(rest, "piece size")
			if len(sizes) == 0 && p == n {
				p = n - 1 // at least two pieces
			}
			sizes = append(sizes, p)
			rest -= p
		}
		if g.src.intn(2, "negative axis") == 0 {
			ax -= len(s)
		}
		if g.src.intn(2, "one piece or all") == 0 {
			k := g.src.intn(len(sizes), "piece")
			g.add("Split", fmt.Sprintf("Split(%s, %d, %v)[%d]", g.nm(x), ax, sizes, k), func(a []*V) *V { return autograd.Split(a[0], ax, sizes...)[k] }, x)
		} else {
			g.add("Split", fmt.Sprintf("Concat(%d, reversed Split(%s, %d, %v))", ax, g.nm(x), ax, sizes), func(a []*V) *V {
				ps := autograd.Split(a[0], ax, sizes...)
				slices.Reverse(ps)
				return autograd.Concat(ax, ps...)
			}, x)
		}
		return true
	})
	addOp("IndexSelect", func(g *rgGraph) bool {
		x := g.atLeast1D(g.pick())
		s := g.shape(x)
		ax := g.axis(len(s))
		axp := ax
		if axp < 0 {
			axp += len(s)
		}
		idx := make([]int, 1+g.src.intn(4, "indices"))
		for k := range idx {
			idx[k] = g.src.intn(s[axp], "index")
		}
		if numel(s)/s[axp]*len(idx) > rgMaxElems {
			return false
		}
		g.add("IndexSelect", fmt.Sprintf("IndexSelect(%s, %d, %v)", g.nm(x), ax, idx), func(a []*V) *V { return autograd.IndexSelect(a[0], ax, idx) }, x)
		return true
	})

	addOp("Embedding", func(g *rgGraph) bool {
		w := g.matrix(g.pick())
		s := g.shape(w)
		ids := make([]float64, 1+g.src.intn(4, "ids"))
		for k := range ids {
			ids[k] = float64(g.src.intn(s[0], "id"))
		}
		if len(ids)*s[1] > rgMaxElems {
			return false
		}
		idt := tensor.MustNew(ids, len(ids))
		g.add("Embedding", fmt.Sprintf("Embedding(%s, ids %v)", g.nm(w), ids), func(a []*V) *V { return autograd.Embedding(a[0], autograd.Const(idt)) }, w)
		return true
	})

	// Convolution and pooling on NCHW tensors.
	addOp("Conv2D", func(g *rgGraph) bool {
		x := g.nchw()
		xs := g.shape(x)
		var o autograd.Conv2DOptions
		oc := 1 + g.src.intn(2, "out channels")
		kh, kw := 1+g.src.intn(3, "kernel h"), 1+g.src.intn(3, "kernel w")
		for d := range 2 {
			o.Stride[d] = g.src.intn(3, "stride")
			o.Padding[d] = g.src.intn(2, "padding")
			o.Dilation[d] = g.src.intn(3, "dilation")
		}
		fitK := func(k, size, pad, dil int) int {
			dil = max(dil, 1)
			for k > 1 && dil*(k-1)+1 > size+2*pad {
				k--
			}
			return k
		}
		kh, kw = fitK(kh, xs[2], o.Padding[0], o.Dilation[0]), fitK(kw, xs[3], o.Padding[1], o.Dilation[1])
		outSize := func(size, k, pad, dil, stride int) int {
			return (size+2*pad-max(dil, 1)*(k-1)-1)/max(stride, 1) + 1
		}
		oh := outSize(xs[2], kh, o.Padding[0], o.Dilation[0], o.Stride[0])
		ow := outSize(xs[3], kw, o.Padding[1], o.Dilation[1], o.Stride[1])
		if xs[0]*oc*oh*ow > rgMaxElems {
			return false
		}
		w := g.operand([]int{oc, xs[1], kh, kw})
		args := []int{x, w}
		bias := g.src.intn(2, "bias") == 0
		if bias {
			args = append(args, g.operand([]int{oc}))
		}
		text := fmt.Sprintf("Conv2D(%s, %+v)", g.names(args), o)
		g.add("Conv2D", text, func(a []*V) *V {
			var b *V
			if bias {
				b = a[2]
			}
			return autograd.Conv2D(a[0], a[1], b, o)
		}, args...)
		return true
	})
	for _, name := range []string{"MaxPool2D", "AvgPool2D"} {
		addOp(name, func(g *rgGraph) bool {
			x := g.nchw()
			xs := g.shape(x)
			var kernel, stride, pad [2]int
			for d := range 2 {
				kernel[d] = 1 + g.src.intn(min(3, xs[2+d]), "kernel")
				stride[d] = g.src.intn(3, "stride")
				pad[d] = g.src.intn(kernel[d]/2+1, "padding")
			}
			oh := (xs[2]+2*pad[0]-kernel[0])/cmp.Or(stride[0], kernel[0]) + 1
			ow := (xs[3]+2*pad[1]-kernel[1])/cmp.Or(stride[1], kernel[1]) + 1
			if xs[0]*xs[1]*oh*ow > rgMaxElems {
				return false
			}
			x = g.smoothArgs(name, nil, x)[0]
			if name == "MaxPool2D" {
				g.add(name, fmt.Sprintf("MaxPool2D(%s, kernel %v, stride %v, padding %v)", g.nm(x), kernel, stride, pad),
					func(a []*V) *V { return autograd.MaxPool2D(a[0], kernel, stride, pad) }, x)
			} else {
				g.add(name, fmt.Sprintf("AvgPool2D(%s, kernel %v, stride %v, padding %v)", g.nm(x), kernel, stride, pad),
					func(a []*V) *V { return autograd.AvgPool2D(a[0], kernel, stride, pad) }, x)
			}
			return true
		})
	}

	// Losses, with every reduction (ReduceNone keeps them elementwise, so
	// they can sit in the middle of a graph).
	pair := func(name string, f func(p, t *V, r autograd.Reduction) *V, params ...float64) {
		addOp(name, func(g *rgGraph) bool {
			p := g.pick()
			args := g.smoothArgs(name, params, p, g.operand(g.shape(p)))
			r := autograd.Reduction(g.src.intn(3, "reduction"))
			g.add(name, fmt.Sprintf("%s(%s, %v)", name, g.names(args), r), func(a []*V) *V { return f(a[0], a[1], r) }, args...)
			return true
		})
	}
	pair("MSE", func(p, t *V, r autograd.Reduction) *V { return autograd.MSE(p, t, r) })
	pair("L1", func(p, t *V, r autograd.Reduction) *V { return autograd.L1(p, t, r) })
	for _, delta := range []float64{0.5, 1} {
		pair("Huber", func(p, t *V, r autograd.Reduction) *V { return autograd.Huber(p, t, delta, r) }, -delta, delta)
	}
	pair("BCE", func(p, t *V, r autograd.Reduction) *V { return autograd.BCE(p, t, r) })
	pair("BCEWithLogits", func(p, t *V, r autograd.Reduction) *V { return autograd.BCEWithLogits(p, t, r) })
	for _, name := range []string{"CrossEntropy", "NLL"} {
		f := map[string]func(*V, []int, ...autograd.Reduction) *V{"CrossEntropy": autograd.CrossEntropy[float64], "NLL": autograd.NLL[float64]}[name]
		addOp(name, func(g *rgGraph) bool {
			x, labels := g.logits(g.pick())
			r := autograd.Reduction(g.src.intn(3, "reduction"))
			g.add(name, fmt.Sprintf("%s(%s, labels %v, %v)", name, g.nm(x), labels, r), func(a []*V) *V { return f(a[0], labels, r) }, x)
			return true
		})
	}
	return ops
}
