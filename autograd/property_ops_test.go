package autograd_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The random-graph generator's op list: every differentiable op of the op
// table as it declares it, and more builders for ops that take shapes,
// axes and other arguments the table's entries fix.

// rgOp is one entry of the op list: the op of the op table it exercises
// and a builder that appends it (with any adapters) to a graph. A builder
// passes the op's arguments through smoothArgs, which keeps them where the
// op is smooth, as the op's OpInfo says. It returns false when the op does
// not fit the graph's current shapes or values; the generator then applies
// Tanh instead.
type rgOp struct {
	name     string
	declared bool // the op as the table declares it (tableBuilder); otherwise a builder of random shapes and arguments
	build    func(g *rgGraph) bool
}

// label names the entry in the tests: the op, and "as declared" for the
// table's form.
func (op rgOp) label() string {
	if op.declared {
		return op.name + "_as_declared"
	}
	return op.name
}

// rgOps is the op list: first the builders of random shapes (simple ops
// first: rapid shrinks choices towards 0), then every differentiable op
// of the op table, as declared (see TestRandomGraphOpsCoverOpTable).
var rgOps = rgOpList()

// tableBuilder returns the builder of op as the table declares it: a
// pointwise op on any node, at its Args; any other op on nodes fitted to
// its declared Shapes (the first from a picked node, the others reused or
// fitted), with the arguments its Apply fixes.
func tableBuilder(op autograd.OpInfo) func(g *rgGraph) bool {
	return func(g *rgGraph) bool {
		var args []int
		if op.Shapes == nil {
			args = []int{g.pick()}
		} else {
			args = []int{g.fit(g.pick(), op.Shapes[0])}
			for _, s := range op.Shapes[1:] {
				args = append(args, g.operand(s))
			}
		}
		text := op.Name + "(%s)"
		if len(op.Args) > 0 {
			text = fmt.Sprintf("%s%v(%%s)", op.Name, op.Args)
		}
		g.apply(op, text, op.Apply64, args...)
		return true
	}
}

// apply adds op applied by f to args, after smoothArgs has moved them where
// op is smooth; text is the step's expression with one %s for the names of
// the arguments.
func (g *rgGraph) apply(op autograd.OpInfo, text string, f func(a ...*V) *V, args ...int) int {
	args = g.smoothArgs(op, args...)
	return g.add(op.Name, fmt.Sprintf(text, g.names(args)), func(a []*V) *V { return f(a...) }, args...)
}

func rgOpList() []rgOp {
	var ops []rgOp
	addOp := func(name string, build func(g *rgGraph) bool) {
		rgInfo(name) // panics for a name the op table does not have
		ops = append(ops, rgOp{name: name, build: build})
	}

	// Binary ops with broadcasting.
	binary := func(name string, f func(a, b *V) *V) {
		info := rgInfo(name)
		addOp(name, func(g *rgGraph) bool {
			a := g.pick()
			b := g.operand(g.partner(g.shape(a)))
			if g.src.intn(2, "swap operands") == 0 {
				a, b = b, a
			}
			g.apply(info, name+"(%s)", func(x ...*V) *V { return f(x[0], x[1]) }, a, b)
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
		g.apply(rgInfo("Where"), "Where(mask "+m.String()+", %s)", func(x ...*V) *V { return autograd.Where(tensor.MustMask(mask, bs...), x[0], x[1]) }, a, b)
		return true
	})

	// Reductions over random axes.
	reduction := func(name string, f func(x *V, axes ...int) *V) {
		info := rgInfo(name)
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			ax := g.axes(g.shape(x))
			g.apply(info, name+"(%s"+axesText(ax)+")", func(a ...*V) *V { return f(a[0], ax...) }, x)
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
		info := rgInfo(name)
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			ax := g.axes(g.shape(x))
			n := reducedCount(g.shape(x), ax)
			if name == "Std" && n < 2 {
				return false // a slice of one element does not vary: Std is singular there
			}
			corr := g.src.intn(2, "correction")
			if n-corr < 1 {
				corr = 0
			}
			f := autograd.Variance[float64]
			if name == "Std" {
				f = autograd.Std[float64]
			}
			g.apply(info, fmt.Sprintf("%s(%%s, correction %d%s)", name, corr, axesText(ax)), func(a ...*V) *V { return f(a[0], corr, ax...) }, x)
			return true
		})
	}
	for _, name := range []string{"Softmax", "LogSoftmax"} {
		f := map[string]func(*V, int) *V{"Softmax": autograd.Softmax[float64], "LogSoftmax": autograd.LogSoftmax[float64]}[name]
		info := rgInfo(name)
		addOp(name, func(g *rgGraph) bool {
			x := g.atLeast1D(g.pick())
			ax := g.axis(len(g.shape(x)))
			g.apply(info, fmt.Sprintf("%s(%%s, axis %d)", name, ax), func(a ...*V) *V { return f(a[0], ax) }, x)
			return true
		})
	}
	addOp("LayerNorm", func(g *rgGraph) bool {
		x := g.atLeast1D(g.pick())
		s := g.shape(x)
		nd := 1 + g.src.intn(len(s), "normalized axes")
		eps := []float64{1e-5, 0.1}[g.src.intn(2, "eps")]
		args := []int{x}
		affine := g.src.intn(4, "weight and bias") // 0 none, 1 weight, 2 bias, 3 both
		if affine&1 != 0 {
			args = append(args, g.operand(s[len(s)-nd:]))
		}
		if affine&2 != 0 {
			args = append(args, g.operand(s[len(s)-nd:]))
		}
		g.apply(rgInfo("LayerNorm"), fmt.Sprintf("LayerNorm(%%s, weight %v, bias %v, normalized axes %d, eps %g)", affine&1 != 0, affine&2 != 0, nd, eps),
			func(a ...*V) *V {
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
		g.apply(rgInfo("MatMul"), "MatMul(%s)", func(x ...*V) *V { return autograd.MatMul(x[0], x[1]) }, a, b)
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
		g.apply(rgInfo("MatMulT"), fmt.Sprintf("MatMulT(%%s, transA=%v, transB=%v)", ta, tb),
			func(x ...*V) *V { return autograd.MatMulT(x[0], x[1], ta, tb) }, a, b)
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
		g.apply(rgInfo("Linear"), "Linear(%s)", func(a ...*V) *V { return linearOf(a) }, args...)
		return true
	})
	addOp("Transpose", func(g *rgGraph) bool {
		g.apply(rgInfo("Transpose"), "Transpose(%s)", func(a ...*V) *V { return autograd.Transpose(a[0]) }, g.matrix(g.pick()))
		return true
	})

	// Shape ops.
	addOp("Reshape", func(g *rgGraph) bool {
		x := g.pick()
		s := g.factorShape(numel(g.shape(x)))
		g.apply(rgInfo("Reshape"), "Reshape(%s, "+ints(s)+")", func(a ...*V) *V { return autograd.Reshape(a[0], s...) }, x)
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
		g.apply(rgInfo("Permute"), "Permute(%s, "+ints(perm)+")", func(a ...*V) *V { return autograd.Permute(a[0], perm...) }, x)
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
		g.apply(rgInfo("Squeeze"), fmt.Sprintf("Squeeze(%%s, axes %v)", ax), func(a ...*V) *V { return autograd.Squeeze(a[0], ax...) }, x)
		return true
	})
	addOp("Unsqueeze", func(g *rgGraph) bool {
		x := g.pick()
		r := len(g.shape(x))
		ax := g.src.intn(2*r+2, "axis") - (r + 1) // -(r+1) … r
		g.apply(rgInfo("Unsqueeze"), fmt.Sprintf("Unsqueeze(%%s, %d)", ax), func(a ...*V) *V { return autograd.Unsqueeze(a[0], ax) }, x)
		return true
	})
	for _, name := range []string{"Expand", "BroadcastTo"} {
		info := rgInfo(name)
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
				g.apply(info, "Expand(%s, "+ints(arg)+")", func(a ...*V) *V { return autograd.Expand(a[0], arg...) }, x)
			} else {
				g.apply(info, "BroadcastTo(%s, "+ints(arg)+")", func(a ...*V) *V { return autograd.BroadcastTo(a[0], arg...) }, x)
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
		g.apply(rgInfo("SumTo"), "SumTo(%s, "+ints(target)+")", func(a ...*V) *V { return autograd.SumTo(a[0], target...) }, x)
		return true
	})
	addOp("Slice", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		rs := make([]autograd.Range, g.src.intn(len(s)+1, "sliced axes"))
		for k := range rs {
			rs[k] = g.randRange(s[k])
		}
		g.apply(rgInfo("Slice"), "Slice(%s, "+rangesText(rs)+")", func(a ...*V) *V { return autograd.Slice(a[0], rs...) }, x)
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
		g.apply(rgInfo("Pad"), fmt.Sprintf("Pad(%%s, %v, %g)", widths, v), func(a ...*V) *V { return autograd.Pad(a[0], widths, v) }, x)
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
		var more [][]int
		total := s[axp]
		for range 1 + g.src.intn(2, "more operands") {
			o := slices.Clone(s)
			o[axp] = 1 + g.src.intn(3, "size along axis")
			total += o[axp]
			more = append(more, o)
		}
		if numel(s)/s[axp]*total > rgMaxElems {
			return false
		}
		args := []int{x}
		for _, o := range more {
			args = append(args, g.operand(o))
		}
		pos := g.src.intn(len(args), "position of the first operand")
		args[0], args[pos] = args[pos], args[0]
		g.apply(rgInfo("Concat"), fmt.Sprintf("Concat(%d, %%s)", ax), func(a ...*V) *V { return autograd.Concat(ax, a...) }, args...)
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
		g.apply(rgInfo("Stack"), fmt.Sprintf("Stack(%d, %%s)", ax), func(a ...*V) *V { return autograd.Stack(ax, a...) }, args...)
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
			g.apply(rgInfo("Split"), fmt.Sprintf("Split(%%s, %d, %v)[%d]", ax, sizes, k), func(a ...*V) *V { return autograd.Split(a[0], ax, sizes...)[k] }, x)
		} else {
			g.apply(rgInfo("Split"), fmt.Sprintf("Concat(%d, reversed Split(%%s, %d, %v))", ax, ax, sizes), func(a ...*V) *V {
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
		g.apply(rgInfo("IndexSelect"), fmt.Sprintf("IndexSelect(%%s, %d, %v)", ax, idx), func(a ...*V) *V { return autograd.IndexSelect(a[0], ax, idx) }, x)
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
		g.apply(rgInfo("Embedding"), fmt.Sprintf("Embedding(%%s, ids %v)", ids), func(a ...*V) *V { return autograd.Embedding(a[0], autograd.Const(idt)) }, w)
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
		g.apply(rgInfo("Conv2D"), fmt.Sprintf("Conv2D(%%s, %+v)", o), func(a ...*V) *V {
			var b *V
			if bias {
				b = a[2]
			}
			return autograd.Conv2D(a[0], a[1], b, o)
		}, args...)
		return true
	})
	for _, name := range []string{"MaxPool2D", "AvgPool2D"} {
		info := rgInfo(name)
		f := map[string]func(*V, [2]int, [2]int, [2]int) *V{"MaxPool2D": autograd.MaxPool2D[float64], "AvgPool2D": autograd.AvgPool2D[float64]}[name]
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
			g.apply(info, fmt.Sprintf("%s(%%s, kernel %v, stride %v, padding %v)", name, kernel, stride, pad),
				func(a ...*V) *V { return f(a[0], kernel, stride, pad) }, x)
			return true
		})
	}

	// Losses, with every reduction (ReduceNone keeps them elementwise, so
	// they can sit in the middle of a graph).
	pair := func(name string, f func(p, t *V, r ...autograd.Reduction) *V) {
		info := rgInfo(name)
		addOp(name, func(g *rgGraph) bool {
			p := g.pick()
			t := g.operand(g.shape(p))
			r := autograd.Reduction(g.src.intn(3, "reduction"))
			g.apply(info, fmt.Sprintf("%s(%%s, %v)", name, r), func(a ...*V) *V { return f(a[0], a[1], r) }, p, t)
			return true
		})
	}
	pair("MSE", autograd.MSE[float64])
	pair("L1", autograd.L1[float64])
	pair("BCE", autograd.BCE[float64])
	pair("BCEWithLogits", autograd.BCEWithLogits[float64])
	for _, name := range []string{"CrossEntropy", "NLL"} {
		f := map[string]func(*V, []int, ...autograd.Reduction) *V{"CrossEntropy": autograd.CrossEntropy[float64], "NLL": autograd.NLL[float64]}[name]
		info := rgInfo(name)
		addOp(name, func(g *rgGraph) bool {
			x, labels := g.logits(g.pick())
			r := autograd.Reduction(g.src.intn(3, "reduction"))
			g.apply(info, fmt.Sprintf("%s(%%s, labels %v, %v)", name, labels, r), func(a ...*V) *V { return f(a[0], labels, r) }, x)
			return true
		})
	}

	// Every differentiable op of the op table, as declared.
	for _, op := range autograd.Ops() {
		if !op.Constant {
			ops = append(ops, rgOp{name: op.Name, declared: true, build: tableBuilder(op)})
		}
	}
	return ops
}
