package layers_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// mfF64File returns a safetensors file of the F64 tensors weight [2 3],
// holding w, and bias [2], holding 0.5 and -0.5: a Linear(3, 2).
func mfF64File(t *testing.T, w []float64) []byte {
	t.Helper()
	var b bytes.Buffer
	err := safetensors.Write(&b, []safetensors.Named{
		safetensors.Of("weight", tensor.MustNew(w, 2, 3)),
		safetensors.Of("bias", tensor.MustNew([]float64{0.5, -0.5}, 2)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLoadFloat32Range loads F64 values into a float32 model: a finite
// value beyond float32's range, which would become ±Inf, is refused with
// an error naming the tensor, the element and the value, and the model is
// left as it was; values that round to float32's largest, values too small
// for float32 (subnormal or 0) and the file's own NaN and ±Inf load.
func TestLoadFloat32Range(t *testing.T) {
	lin := layers.NewLinear[float32](rand.New(rand.NewPCG(1, 2)), 3, 2, nil)
	before := mfState[float32](lin)
	for _, tt := range []struct {
		w    []float64
		want string
	}{
		{[]float64{1, 2, 3, 1e300, 5, 6}, `layers: Load: tensor "weight": element [1 0] is 1e+300, beyond float32's range (±3.4028235e+38): it would load as +Inf`},
		{[]float64{1, -1e39, 3, 4, 5, 1e39}, `tensor "weight": element [0 1] is -1e+39, beyond float32's range`},
		{[]float64{1, 2, 3, 4, 5, math.MaxFloat32 * (1 + 0x1p-24)}, `tensor "weight": element [1 2] is 3.4028236692093725e+38`},
	} {
		err := layers.Load(bytes.NewReader(mfF64File(t, tt.w)), lin)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load of %v: error = %v, want one containing %q", tt.w, err, tt.want)
		}
		if diff := cmp.Diff(before, mfState[float32](lin)); diff != "" {
			t.Errorf("a refused Load changed the model (-before +after):\n%s", diff)
		}
	}

	// Rounding to float32's largest value is no overflow; values below
	// float32's smallest subnormal become 0, and the file's NaN and Inf
	// are loaded as they are.
	largest := math.MaxFloat32 * (1 + 0x1p-25)
	w := []float64{largest, -math.MaxFloat32, 1e-40, -1e-50, math.Inf(-1), math.NaN()}
	if err := layers.Load(bytes.NewReader(mfF64File(t, w)), lin); err != nil {
		t.Fatal(err)
	}
	want := []float32{math.MaxFloat32, -math.MaxFloat32, float32(1e-40), float32(math.Copysign(0, -1)), float32(math.Inf(-1)), float32(math.NaN())}
	if diff := cmp.Diff(want, lin.Weight.Value().Data(), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("loaded weight (-want +got):\n%s", diff)
	}
	if got := lin.Weight.Value().Data()[2]; got == 0 || math.Abs(float64(got)) >= 0x1p-126 {
		t.Errorf("1e-40 loaded as %g, want a float32 subnormal", got)
	}
}
