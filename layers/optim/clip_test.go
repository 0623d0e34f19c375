package optim_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// gradParams returns parameters whose gradients are the given slices; a nil
// slice leaves that parameter without a gradient.
func gradParams(grads ...[]float64) []*autograd.Var[float64] {
	ps := make([]*autograd.Var[float64], len(grads))
	for i, g := range grads {
		if g == nil {
			ps[i] = param[float64](0)
			continue
		}
		ps[i] = param[float64](make([]float64, len(g))...)
		setGrad(ps[i], g...)
	}
	return ps
}

// allGrads returns every gradient of ps (nil for a missing one).
func allGrads(ps []*autograd.Var[float64]) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		if p.Grad() != nil {
			out[i] = values(p.Grad())
		}
	}
	return out
}

// TestClipGradNorm works examples by hand. The gradients [3] and [4, 0] are
// one vector of L2 norm 5, L1 norm 7 and max norm 4; the third parameter has
// no gradient and is skipped.
func TestClipGradNorm(t *testing.T) {
	inf := math.Inf(1)
	scaled := func(f float64) [][]float64 { return [][]float64{{3 * f}, {4 * f, 0}, nil} }
	tests := []struct {
		name      string
		maxNorm   float64
		normType  []float64
		wantTotal float64
		want      [][]float64
	}{
		{"L2 clipped", 1, nil, 5, scaled(1 / (5 + 1e-6))},
		{"L2 explicit", 2.5, []float64{2}, 5, scaled(2.5 / (5 + 1e-6))},
		{"L2 well under", 10, nil, 5, scaled(1)},
		// torch's factor is maxNorm/(total+1e-6), applied whenever it is
		// below 1: at total == maxNorm the gradients shrink a hair.
		{"L2 at the bound", 5, nil, 5, scaled(5 / (5 + 1e-6))},
		{"L2 to zero", 0, nil, 5, scaled(0)},
		{"L1", 3.5, []float64{1}, 7, scaled(3.5 / (7 + 1e-6))},
		{"max", 2, []float64{inf}, 4, scaled(2 / (4 + 1e-6))},
		{"p=0.5", 100, []float64{0.5}, math.Pow(math.Sqrt(3)+2, 2), scaled(1)},
		{"only measure", inf, nil, 5, scaled(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := gradParams([]float64{3}, []float64{4, 0}, nil)
			total, err := optim.ClipGradNorm(ps, tt.maxNorm, tt.normType...)
			if err != nil {
				t.Fatalf("finite gradients: %v", err)
			}
			if math.Abs(total-tt.wantTotal) > 1e-14*tt.wantTotal {
				t.Errorf("total norm = %v, want %v", total, tt.wantTotal)
			}
			if diff := cmp.Diff(tt.want, allGrads(ps), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
				t.Errorf("clipped gradients (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClipGradNormNonFinite checks that a NaN or Inf is reported, never
// hidden: the returned norm says so, a *NonFiniteError names the first
// parameter at fault, and the gradients are left exactly as they were
// (torch with error_if_nonfinite=False would scale them all by NaN or 0).
func TestClipGradNormNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		grads     [][]float64
		normType  []float64
		wantNaN   bool // the total is NaN, else +Inf
		wantParam int
		wantValue string
	}{
		{"NaN", [][]float64{{2}, {1, nan}}, nil, true, 1, "NaN"},
		{"+Inf", [][]float64{{1, inf}, {-2}}, nil, false, 0, "+Inf"},
		{"-Inf max norm", [][]float64{{1}, {-inf}}, []float64{inf}, false, 1, "-Inf"},
		{"finite but overflowing", [][]float64{{1e300, 1e300}}, nil, false, -1, ""},
		{"NaN max norm", [][]float64{{5, nan, 1}, {2}}, []float64{inf}, true, 0, "NaN"},
		{"NaN 1-norm", [][]float64{{5}, {2, 3, 4, 5, nan}}, []float64{1}, true, 1, "NaN"},
		{"Inf then NaN", [][]float64{{inf, 1, 2, 3, 4}, {nan}}, nil, true, 0, "+Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := gradParams(tt.grads...)
			ps[0].SetName("first")
			before := allGrads(ps)
			total, err := optim.ClipGradNorm(ps, 1, tt.normType...)
			if tt.wantNaN != math.IsNaN(total) || !tt.wantNaN && !math.IsInf(total, 1) {
				t.Errorf("total norm = %v, want NaN %v / +Inf %v", total, tt.wantNaN, !tt.wantNaN)
			}
			var nf *optim.NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("error = %v, want a *NonFiniteError", err)
			}
			if nf.Op != "ClipGradNorm" || nf.Param != tt.wantParam || nf.Value != tt.wantValue ||
				math.IsNaN(nf.Norm) != math.IsNaN(total) {
				t.Errorf("error = %+v, want param %d value %q", nf, tt.wantParam, tt.wantValue)
			}
			if diff := cmp.Diff(before, allGrads(ps), cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("gradients changed (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		ps := gradParams([]float64{1}, []float64{nan})
		ps[1].SetName("0.bias")
		_, err := optim.ClipGradNorm(ps, 1)
		want := `optim: ClipGradNorm: total norm is NaN: gradient of parameter 1 ("0.bias") holds NaN; gradients left unscaled`
		if err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
	t.Run("none", func(t *testing.T) {
		if total, err := optim.ClipGradNorm(gradParams(nil, nil), 1); total != 0 || err != nil {
			t.Errorf("without gradients: total %v err %v, want 0, nil", total, err)
		}
	})
}

func TestClipGradNormPanics(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		maxNorm  float64
		normType []float64
		want     string
	}{
		{-1, nil, "maxNorm = -1: must be non-negative"},
		{nan, nil, "maxNorm = NaN: must be non-negative"},
		{1, []float64{0}, "normType = 0: must be positive or +Inf"},
		{1, []float64{-2}, "normType = -2: must be positive or +Inf"},
		{1, []float64{nan}, "normType = NaN: must be positive or +Inf"},
		{1, []float64{2, 1}, "len(normType) = 2: at most one normType"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.maxNorm, tt.normType), func(t *testing.T) {
			ps := gradParams([]float64{3})
			msg := panicMessage(func() { optim.ClipGradNorm(ps, tt.maxNorm, tt.normType...) })
			if !strings.Contains(msg, "optim: ClipGradNorm: "+tt.want) {
				t.Errorf("panic %q, want one containing %q", msg, tt.want)
			}
			if diff := cmp.Diff([][]float64{{3}}, allGrads(ps)); diff != "" {
				t.Errorf("gradients changed by a rejected call (-want +got):\n%s", diff)
			}
		})
	}
}

// A nil parameter is a programmer error: an *ArgError naming it, before
// any gradient is touched, not a nil dereference.
func TestClipNilParam(t *testing.T) {
	ps := append(gradParams([]float64{30}), nil)
	msg := panicMessage(func() { optim.ClipGradNorm(ps, 1) })
	if want := "optim: ClipGradNorm: params[1] = <nil>: must not be nil"; msg != want {
		t.Errorf("ClipGradNorm: panic %q, want %q", msg, want)
	}
	msg = panicMessage(func() { optim.ClipGradValue([]*autograd.Var[float32]{nil}, 1) })
	if want := "optim: ClipGradValue: params[0] = <nil>: must not be nil"; msg != want {
		t.Errorf("ClipGradValue: panic %q, want %q", msg, want)
	}
	msg = panicMessage(func() { optim.ClipGradValue(ps, 1) })
	if diff := cmp.Diff([][]float64{{30}}, allGrads(ps[:1])); msg == "" || diff != "" {
		t.Errorf("ClipGradValue with a nil parameter: panic %q; gradients changed (-want +got):\n%s", msg, diff)
	}
}

// panicMessage returns the message of f's panic, which must be an
// *optim.ArgError, or "" when f does not panic.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
			if e, ok := r.(error); !ok || !errors.As(e, new(*optim.ArgError)) {
				msg = fmt.Sprintf("not an *optim.ArgError (%T): %v", r, r)
			}
		}
	}()
	f()
	return ""
}

func TestClipGradValue(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		clip float64
		in   [][]float64
		want [][]float64
	}{
		{"clamps both ways", 0.5, [][]float64{{-2, -0.5, 0.25, 0.5, 3}, nil}, [][]float64{{-0.5, -0.5, 0.25, 0.5, 0.5}, nil}},
		{"zero", 0, [][]float64{{-1, 2}}, [][]float64{{0, 0}}},
		{"infinite elements", 1, [][]float64{{-inf, inf}}, [][]float64{{-1, 1}}},
		{"NaN stays", 1, [][]float64{{nan, 5}}, [][]float64{{nan, 1}}},
		{"no bound", inf, [][]float64{{-1e300, 1e300}}, [][]float64{{-1e300, 1e300}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := gradParams(tt.in...)
			optim.ClipGradValue(ps, tt.clip)
			if diff := cmp.Diff(tt.want, allGrads(ps), cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("clipped gradients (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("float32", func(t *testing.T) {
		p := param[float32](0, 0)
		setGrad(p, -3, 0.25)
		optim.ClipGradValue([]*autograd.Var[float32]{p}, 0.1)
		if diff := cmp.Diff([]float32{-0.1, 0.1}, p.Grad().Data()); diff != "" {
			t.Errorf("clipped gradients (-want +got):\n%s", diff)
		}
	})
	for _, bad := range []float64{-1, nan} {
		msg := panicMessage(func() { optim.ClipGradValue(gradParams([]float64{1}), bad) })
		if !strings.Contains(msg, "optim: ClipGradValue: clip = "+fmt.Sprint(bad)+": must be non-negative") {
			t.Errorf("ClipGradValue(clip %v) panicked with %q, want a message about clip", bad, msg)
		}
	}
}
