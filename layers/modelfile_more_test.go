package layers_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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

// TestLoadNonStrict loads a file into models it fits only in part: the
// tensors with the model's names and shapes load, the others are returned
// as missing or unexpected; a mis-shaped tensor is still an error, which
// changes nothing.
func TestLoadNonStrict(t *testing.T) {
	src := mfMLP[float32](1)
	saved, _ := saveRead(t, src)
	srcState := mfState[float32](src)
	rng := rand.New(rand.NewPCG(9, 9))
	lin := func(in, out int) layers.Module[float32] { return layers.NewLinear[float32](rng, in, out, nil) }
	relu := layers.ReLU[float32]{}

	tests := []struct {
		name                string
		model               layers.Module[float32]
		missing, unexpected []string
		loaded              []string // the model's tensors that take the file's values
	}{
		{"exact fit", layers.NewSequential(lin(3, 4), relu, lin(4, 2)), nil, nil, []string{"0.weight", "0.bias", "2.weight", "2.bias"}},
		{"an extra layer", layers.NewSequential(lin(3, 4), relu, lin(4, 2), relu, lin(2, 1)),
			[]string{"4.weight", "4.bias"}, nil, []string{"0.weight", "0.bias", "2.weight", "2.bias"}},
		{"no activation layer: indices shift", layers.NewSequential(lin(3, 4), lin(4, 2)),
			[]string{"1.weight", "1.bias"}, []string{"2.bias", "2.weight"}, []string{"0.weight", "0.bias"}},
		{"nothing in common", layers.NewNamed(layers.NamedModule[float32]{Name: "fc", Module: lin(3, 4)}),
			[]string{"fc.weight", "fc.bias"}, []string{"0.bias", "0.weight", "2.bias", "2.weight"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mfState(tt.model)
			for _, name := range tt.loaded {
				want[name] = srcState[name]
			}
			missing, unexpected, err := layers.LoadNonStrict(bytes.NewReader(saved), tt.model)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.missing, missing, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.unexpected, unexpected, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("unexpected (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, mfState(tt.model)); diff != "" {
				t.Errorf("state after the load (-want +got):\n%s", diff)
			}
		})
	}

	// A tensor under a name of the model with another shape is an error
	// even here, as in torch, and nothing is loaded, not even what fits.
	model := layers.NewSequential(lin(3, 4), relu, lin(4, 3), relu, lin(3, 1))
	before := mfState(model)
	_, _, err := layers.LoadNonStrict(bytes.NewReader(saved), model)
	var le *layers.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("LoadNonStrict error = %v, want a *LoadError", err)
	}
	wantErr := &layers.LoadError{Shapes: []layers.ShapeMismatch{
		{Name: "2.weight", File: []int{2, 4}, Model: []int{3, 4}},
		{Name: "2.bias", File: []int{2}, Model: []int{3}},
	}}
	if diff := cmp.Diff(wantErr, le, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("LoadError (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, mfState(model)); diff != "" {
		t.Errorf("a failed LoadNonStrict changed the model (-before +after):\n%s", diff)
	}

	// LoadFileNonStrict reads a file, and names it in its errors.
	path := filepath.Join(t.TempDir(), "mlp.safetensors")
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	part := layers.NewSequential(lin(3, 4))
	missing, unexpected, err := layers.LoadFileNonStrict(path, part)
	if err != nil || len(missing) != 0 || !slices.Equal(unexpected, []string{"2.bias", "2.weight"}) {
		t.Errorf("LoadFileNonStrict = %q, %q, %v; want none missing, 2.bias and 2.weight unexpected", missing, unexpected, err)
	}
	if diff := cmp.Diff(srcState["0.weight"], mfState(part)["0.weight"]); diff != "" {
		t.Errorf("0.weight (-file +loaded):\n%s", diff)
	}
	_, _, err = layers.LoadFileNonStrict(path, model)
	if err == nil || !strings.HasPrefix(err.Error(), "layers: "+path+" does not fit the model: 0 missing, 0 unexpected, 2 mis-shaped") {
		t.Errorf("LoadFileNonStrict error = %v, want a LoadError naming the file", err)
	}
	if _, _, err := layers.LoadFileNonStrict(filepath.Join(t.TempDir(), "none.safetensors"), part); err == nil || !strings.Contains(err.Error(), "layers: LoadFileNonStrict: ") {
		t.Errorf("LoadFileNonStrict of a missing file: error = %v", err)
	}
}
