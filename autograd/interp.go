package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds Interpolate, PyTorch's F.interpolate for images: nearest
// and bilinear resizing of the last two axes, with PyTorch's coordinate
// rules. It runs on the resampling operation of pool_resample.go.

// InterpMode is an interpolation method of Interpolate, named as PyTorch's
// mode argument.
type InterpMode string

// The interpolation methods.
const (
	InterpNearest  InterpMode = "nearest"  // the input element at ⌊dst·scale⌋ (PyTorch's "nearest", not "nearest-exact")
	InterpBilinear InterpMode = "bilinear" // a weighted mean of the four neighbours
)

// InterpolateOptions are the arguments of Interpolate, those of PyTorch's
// F.interpolate: either Size or ScaleFactor, the mode, and align_corners.
type InterpolateOptions struct {
	Size        [2]int     // output height and width; zero when ScaleFactor is given
	ScaleFactor [2]float64 // output size over input size per axis; zero when Size is given
	Mode        InterpMode // "" means InterpNearest, PyTorch's default

	// AlignCorners (bilinear only) maps the corner pixels' centres onto
	// each other: source = dst·(in − 1)/(out − 1). Without it, pixels are
	// areas: source = (dst + ½)·scale − ½, clamped at 0.
	AlignCorners bool
}

// Interpolate resizes the last two axes of x [N, C, H, W] to [N, C, OH,
// OW], PyTorch's F.interpolate (with recompute_scale_factor unset). The
// output size is opts.Size, or ⌊H·ScaleFactor[0]⌋ × ⌊W·ScaleFactor[1]⌋.
// Along each axis, scale is 1/ScaleFactor when a scale factor is given and
// in/out when a size is:
//
//   - nearest: output dst reads input min(⌊dst·scale⌋, in − 1), computed
//     in float32 as PyTorch does (dst itself when out = in, ⌊dst/2⌋ when
//     out = 2·in). This is torch 1.13's rule for one channel (N·C = 1) and
//     its backward's always; its forward for several channels with a
//     ScaleFactor reads ⌊dst·scale⌋ even when out = in or 2·in (torch
//     disagrees with itself there, and this op follows the backward);
//   - bilinear: output dst reads the input at the real position
//     src = dst·(in − 1)/(out − 1) with AlignCorners (0 when out = 1), else
//     max((dst + ½)·scale − ½, 0), as (1 − λ)·x[i] + λ·x[i+1] with
//     i = ⌊src⌋ and λ = src − i (x[i] alone at the last element; a copy
//     when out = in), in the element type, rows of columns.
//
// The result is linear in x:
//
//	d/dx = each input element receives g times its weight from every output that reads it
//
// and the derivative is recorded as an operation whose own derivative is
// this op's map, so gradients of gradients flow. It panics with a
// *tensor.ShapeError when x is not 4-D or its height or width is 0, and
// with a *UsageError when
// neither or both of Size and ScaleFactor are given, a size or scale is not
// positive, the output would be empty, the mode is unknown, or AlignCorners
// is set for nearest.
func Interpolate[T Float](x *Var[T], opts InterpolateOptions) *Var[T] {
	checkOperands1("Interpolate", x)
	const op = "Interpolate"
	defer relabel(op)
	xv := x.value
	if xv.Dims() != 4 {
		panic(shapeErr(op, "input must be 4-D [N C H W]", xv.Shape()))
	}
	in := [2]int{xv.Dim(2), xv.Dim(3)}
	if in[0] < 1 || in[1] < 1 {
		panic(shapeErr(op, "input height and width must be positive", xv.Shape()))
	}
	out, scale := interpSize(op, in, opts)
	mode := opts.Mode
	switch {
	case mode == "":
		mode = InterpNearest
	case mode != InterpNearest && mode != InterpBilinear:
		panic(usage(op, fmt.Sprintf("unknown mode %q: want %q or %q", opts.Mode, InterpNearest, InterpBilinear)))
	}
	if opts.AlignCorners && mode != InterpBilinear {
		panic(usage(op, "AlignCorners applies to bilinear interpolation only"))
	}
	ar := arenaOf(x)
	var taps [2]tensor.AxisTaps[T]
	for ax := range 2 {
		taps[ax] = rsTaps(ar, in[ax], out[ax], true)
		if mode == InterpNearest {
			nearestTaps(taps[ax], scale[ax])
		} else {
			bilinearTaps(taps[ax], scale[ax], opts.AlignCorners)
		}
	}
	var sb [4]int
	res := ar.tensor(outShape(xv, out[0], out[1], sb[:0])...)
	return rsLinearOp(op, x, res, taps[0], taps[1], 0)
}

// interpSize validates Interpolate's size or scale and returns the output
// size and the scale factors given (0 where a size was given).
func interpSize(op string, in [2]int, opts InterpolateOptions) (out [2]int, scale [2]float64) {
	bySize := opts.Size != [2]int{}
	byScale := opts.ScaleFactor != [2]float64{}
	if bySize == byScale {
		panic(usage(op, fmt.Sprintf("give exactly one of Size %v and ScaleFactor %v", opts.Size, opts.ScaleFactor)))
	}
	for ax := range 2 {
		if bySize {
			out[ax] = opts.Size[ax]
			if out[ax] < 1 {
				panic(usage(op, fmt.Sprintf("Size %v must be positive", opts.Size)))
			}
			continue
		}
		sf := opts.ScaleFactor[ax]
		if !(sf > 0) || math.IsInf(sf, 0) {
			panic(usage(op, fmt.Sprintf("ScaleFactor %v must be positive and finite", opts.ScaleFactor)))
		}
		out[ax] = int(math.Floor(float64(in[ax]) * sf))
		if out[ax] < 1 {
			panic(usage(op, fmt.Sprintf("ScaleFactor %v gives an empty output for input size %v", opts.ScaleFactor, in)))
		}
		scale[ax] = sf
	}
	return out, scale
}

// nearestTaps fills a's taps with PyTorch's nearest rule (upsample_nearest2d
// in torch 1.13): dst itself when out = in, dst/2 when out = 2·in, else
// min(⌊dst·scale⌋, in − 1) in float32, with scale the float32 of 1/sf when
// a scale factor sf is given and of in/out otherwise.
func nearestTaps[T Float](a tensor.AxisTaps[T], sf float64) {
	in, out := a.In, a.Out()
	scale := float32(in) / float32(out)
	if sf > 0 {
		scale = float32(1 / sf)
	}
	for dst := range a.Lo {
		src := dst
		switch {
		case out == in:
		case out == 2*in:
			src = dst >> 1
		default:
			src = min(int(math.Floor(float64(float32(dst)*scale))), in-1)
		}
		a.Lo[dst], a.N[dst], a.W0[dst], a.W[dst] = src, 1, 1, 0
	}
}

// bilinearTaps fills a's taps with PyTorch's linear rule
// (area_pixel_compute_source_index and its caller in torch 1.13), in the
// element type T.
func bilinearTaps[T Float](a tensor.AxisTaps[T], sf float64, alignCorners bool) {
	in, out := a.In, a.Out()
	var scale T
	switch {
	case alignCorners:
		if out > 1 {
			scale = T(in-1) / T(out-1)
		}
	case sf > 0:
		scale = T(1 / sf)
	default:
		scale = T(in) / T(out)
	}
	for dst := range a.Lo {
		if out == in { // a copy, as in PyTorch
			a.Lo[dst], a.N[dst], a.W0[dst], a.W[dst] = dst, 1, 1, 0
			continue
		}
		var src T
		if alignCorners {
			src = scale * T(dst)
		} else {
			src = max(scale*(T(dst)+0.5)-0.5, 0)
		}
		i := int(src)
		l1 := min(max(src-T(i), 0), 1)
		l0 := 1 - l1
		if i < in-1 {
			a.Lo[dst], a.N[dst], a.W0[dst], a.W[dst] = i, 2, l0, l1
		} else {
			a.Lo[dst], a.N[dst], a.W0[dst], a.W[dst] = i, 1, l0+l1, 0
		}
	}
}
