package layers_test

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// mfHidden is a module of one's own as one would first write it: a Linear
// and a BatchNorm1d in unexported fields, their parameters listed, but no
// Children, so that BuffersOf cannot reach the running statistics.
type mfHidden struct {
	fc *layers.Linear[float64]
	bn *layers.BatchNorm1d[float64]
}

func newMFHidden(seed uint64) *mfHidden {
	return &mfHidden{layers.NewLinear[float64](rand.New(rand.NewPCG(seed, 0)), 3, 2, nil), layers.NewBatchNorm1d[float64](2)}
}

func (m *mfHidden) Forward(x *autograd.Var[float64]) *autograd.Var[float64] {
	return m.bn.Forward(m.fc.Forward(x))
}

func (m *mfHidden) Parameters() []*autograd.Var[float64] {
	return append(m.fc.Parameters(), m.bn.Parameters()...)
}

func (m *mfHidden) NamedParameters() []layers.NamedParam[float64] {
	var out []layers.NamedParam[float64]
	for _, p := range m.fc.NamedParameters() {
		out = append(out, layers.NamedParam[float64]{Name: "fc." + p.Name, Param: p.Param})
	}
	for _, p := range m.bn.NamedParameters() {
		out = append(out, layers.NamedParam[float64]{Name: "bn." + p.Name, Param: p.Param})
	}
	return out
}

// mfShown is mfHidden made a Container, as the Container doc asks.
type mfShown struct{ *mfHidden }

func (m mfShown) Children() []layers.NamedModule[float64] {
	return []layers.NamedModule[float64]{{Name: "fc", Module: m.fc}, {Name: "bn", Module: m.bn}}
}

// mfBlocks holds layers in a slice, a nested struct and a map, a pointer
// back to itself, a module never built and one of another model, and
// lists only the parameters of the layers in listed.
type mfBlocks struct {
	Blocks []layers.Module[float64]
	heads  struct{ a, b *layers.Linear[float64] }
	extra  map[string]layers.Module[float64]
	self   *mfBlocks
	later  mfUnbuilt
	other  *layers.Linear[float64] `layers:"-"`
	listed []layers.Module[float64]
}

// mfUnbuilt is a module whose zero value panics when asked for its
// parameters.
type mfUnbuilt struct{ fc *layers.Linear[float64] }

func (m mfUnbuilt) Forward(x *autograd.Var[float64]) *autograd.Var[float64] { return m.fc.Forward(x) }
func (m mfUnbuilt) Parameters() []*autograd.Var[float64]                    { return m.fc.Parameters() }
func (m mfUnbuilt) NamedParameters() []layers.NamedParam[float64]           { return m.fc.NamedParameters() }

func (m *mfBlocks) Forward(x *autograd.Var[float64]) *autograd.Var[float64] { return x }
func (m *mfBlocks) Parameters() []*autograd.Var[float64]                    { return nil }
func (m *mfBlocks) NamedParameters() []layers.NamedParam[float64] {
	var out []layers.NamedParam[float64]
	for i, l := range m.listed {
		for _, p := range l.NamedParameters() {
			out = append(out, layers.NamedParam[float64]{Name: string(rune('a'+i)) + "." + p.Name, Param: p.Param})
		}
	}
	return out
}

// TestSaveRefusesHiddenState saves and loads modules that hold layers in
// fields without being Containers: when a parameter or buffer of such a
// layer is not in the model's state, Save, SaveFile, Load and
// LoadNonStrict refuse, naming the module, the field, the layer and the
// tensor, instead of leaving it out (Save) or unset (Load).
func TestSaveRefusesHiddenState(t *testing.T) {
	m := newMFHidden(1)
	m.Forward(autograd.Const(tensor.RandNormal(rand.New(rand.NewPCG(2, 0)), 1, 2.0, 8, 3))) // training: moves the running statistics
	want := `*layers_test.mfHidden holds a *layers.BatchNorm1d[float64] in bn whose buffer "running_mean" is not in the model's state (neither its NamedParameters nor BuffersOf list it): ` +
		`Save would leave it out and Load would not set it; make *layers_test.mfHidden a Container whose Children include bn, or list the tensor`
	var buf bytes.Buffer
	if err := layers.Save(&buf, m); err == nil || err.Error() != "layers: Save: "+want {
		t.Errorf("Save error = %v,\nwant layers: Save: %s", err, want)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := layers.SaveFile(path, m); err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("SaveFile error = %v, want one ending with %s", err, want)
	}

	// As a Container, the same module saves its running statistics, and
	// they load into another; Load refuses the one that is not.
	shown := mfShown{m}
	if err := layers.Save(&buf, shown); err != nil {
		t.Fatal(err)
	}
	saved := buf.Bytes()
	if err := layers.Load(bytes.NewReader(saved), newMFHidden(3)); err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Load error = %v, want one ending with %s", err, want)
	}
	if _, _, err := layers.LoadNonStrict(bytes.NewReader(saved), newMFHidden(3)); err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("LoadNonStrict error = %v, want one ending with %s", err, want)
	}
	dst := mfShown{newMFHidden(3)}
	if err := layers.Load(bytes.NewReader(saved), dst); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mfState[float64](shown), mfState[float64](dst)); diff != "" {
		t.Errorf("loaded state (-saved +loaded):\n%s", diff)
	}
	if got := dst.bn.RunningMean().Data(); got[0] == 0 && got[1] == 0 {
		t.Errorf("running mean %v: not loaded", got)
	}

	// Layers in a slice, a nested struct and a map: each one whose
	// parameters the module does not list is refused, in field order; a
	// field tagged layers:"-" is not looked at.
	rng := rand.New(rand.NewPCG(4, 0))
	lin := func() *layers.Linear[float64] { return layers.NewLinear[float64](rng, 2, 2, nil) }
	b := &mfBlocks{Blocks: []layers.Module[float64]{lin(), layers.ReLU[float64]{}, lin()}, extra: map[string]layers.Module[float64]{}}
	b.heads.a, b.heads.b = lin(), lin()
	b.self, b.other = b, lin()
	if b.later.fc != nil {
		t.Fatal("later is built") // its parameters would panic otherwise, which Save must survive
	}
	for _, tt := range []struct {
		listed []layers.Module[float64]
		want   string // "" when Save must succeed
	}{
		{nil, `*layers.Linear[float64] in Blocks[0] whose parameter "weight"`},
		{b.Blocks[:1], `*layers.Linear[float64] in Blocks[2] whose parameter "weight"`},
		{[]layers.Module[float64]{b.Blocks[0], b.Blocks[2]}, `*layers.Linear[float64] in heads.a whose parameter "weight"`},
		{[]layers.Module[float64]{b.Blocks[0], b.Blocks[2], b.heads.a, b.heads.b}, ""},
	} {
		b.listed = tt.listed
		err := layers.Save(&bytes.Buffer{}, b)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%d listed: Save error = %v, want %q", len(tt.listed), err, tt.want)
		}
	}
	b.extra["z"] = lin()
	if err := layers.Save(&bytes.Buffer{}, b); err == nil || !strings.Contains(err.Error(), `*layers.Linear[float64] in extra[z] whose parameter "weight"`) {
		t.Errorf("a layer in a map: Save error = %v", err)
	}
}
