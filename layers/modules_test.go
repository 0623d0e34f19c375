package layers_test

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// moduleRow is one row of the tests that range over every module type of
// package layers: a constructed instance of the type and an input it takes.
type moduleRow struct {
	typ  string // the exported type, as the package declares it ("LSTM")
	name string // the row's name: typ, or typ and a variant ("GELU/tanh")

	// build returns a new instance, the same one on every call (its
	// generator is seeded), and an input it takes.
	build func() (layers.Module[float32], *tensor.Tensor[float32])

	// ids marks an input of ids (Embedding's): no gradient flows to it.
	ids bool
}

// everyModule returns a row for every exported module type of package
// layers (TestEveryModuleTypeHasARow fails when one is missing), some
// with a second row for a variant that takes another path through the
// layer: dropout on or off, a cropped table, a ceil-mode pooling.
func everyModule() []moduleRow {
	x2 := func() *tensor.Tensor[float32] { return rand32(1, 4, 3) }
	seq := func() *tensor.Tensor[float32] { return rand32(2, 2, 5, 8) } // [N L E]
	img := func() *tensor.Tensor[float32] { return rand32(3, 2, 2, 6, 6) }
	ids := func() *tensor.Tensor[float32] {
		return tensor.MustNew([]float32{0, 3, 9, 3, 1, 7, 2, 2, 5, 0}, 2, 5)
	}
	rng := func() *rand.Rand { return newRNG(11) }
	var rows []moduleRow
	add := func(typ, variant string, m func() layers.Module[float32], in func() *tensor.Tensor[float32]) {
		name := typ
		if variant != "" {
			name += "/" + variant
		}
		rows = append(rows, moduleRow{typ: typ, name: name, build: func() (layers.Module[float32], *tensor.Tensor[float32]) { return m(), in() }})
	}
	addIDs := func(typ, variant string, m func() layers.Module[float32]) {
		add(typ, variant, m, ids)
		rows[len(rows)-1].ids = true
	}
	value := func(m layers.Module[float32]) func() layers.Module[float32] {
		return func() layers.Module[float32] { return m }
	}

	// Activations, usable by value.
	for _, a := range []struct {
		typ string
		m   layers.Module[float32]
	}{
		{"Sigmoid", layers.Sigmoid[float32]{}}, {"Tanh", layers.Tanh[float32]{}}, {"ReLU", layers.ReLU[float32]{}},
		{"LeakyReLU", layers.LeakyReLU[float32]{Slope: 0.01}}, {"ELU", layers.ELU[float32]{Alpha: 1}},
		{"GELU", layers.GELU[float32]{}}, {"SiLU", layers.SiLU[float32]{}}, {"Softplus", layers.Softplus[float32]{}},
		{"Softmax", layers.Softmax[float32]{Axis: -1}}, {"LogSoftmax", layers.LogSoftmax[float32]{Axis: -1}},
		{"Hardtanh", layers.Hardtanh[float32]{MinVal: -0.5, MaxVal: 0.5}}, {"Hardswish", layers.Hardswish[float32]{}},
		{"Hardsigmoid", layers.Hardsigmoid[float32]{}}, {"Mish", layers.Mish[float32]{}}, {"SELU", layers.SELU[float32]{}},
		{"CELU", layers.CELU[float32]{Alpha: 1}}, {"Softsign", layers.Softsign[float32]{}}, {"LogSigmoid", layers.LogSigmoid[float32]{}},
		{"Softshrink", layers.Softshrink[float32]{Lambd: 0.5}}, {"Hardshrink", layers.Hardshrink[float32]{Lambd: 0.5}},
		{"Tanhshrink", layers.Tanhshrink[float32]{}},
	} {
		add(a.typ, "", value(a.m), x2)
	}
	add("GELU", "tanh", value(layers.GELU[float32]{Tanh: true}), x2)
	add("PReLU", "", func() layers.Module[float32] { return layers.NewPReLU[float32](1, 0.25) }, x2)
	add("PReLU", "per channel", func() layers.Module[float32] { return layers.NewPReLU[float32](2, 0.25) }, img)
	add("PReLU", "struct literal", func() layers.Module[float32] {
		return &layers.PReLU[float32]{Weight: autograd.Param(tensor.Full[float32](0.1, 1)).SetName("weight")}
	}, x2)

	// Affine, convolution, shape.
	add("Linear", "", func() layers.Module[float32] { return layers.NewLinear[float32](rng(), 3, 5, nil) }, x2)
	add("Linear", "[N L in]", func() layers.Module[float32] { return layers.NewLinear[float32](rng(), 8, 5, nil) }, seq)
	add("Conv2D", "groups", func() layers.Module[float32] {
		return layers.NewConv2D[float32](rng(), 2, 4, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{1, 1}, Groups: 2}, nil)
	}, img)
	add("Conv1D", "", func() layers.Module[float32] {
		return layers.NewConv1D[float32](rng(), 2, 3, 3, layers.Conv1DOptions{Stride: 2}, nil)
	}, func() *tensor.Tensor[float32] { return rand32(4, 2, 2, 9) })
	add("Conv2D", "reflect", func() layers.Module[float32] {
		c := layers.NewConv2D[float32](rng(), 2, 3, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{1, 2}}, nil)
		c.PaddingMode = autograd.PadReflect
		return c
	}, img)
	add("Conv1D", "circular", func() layers.Module[float32] {
		c := layers.NewConv1D[float32](rng(), 2, 3, 3, layers.Conv1DOptions{Padding: 1}, nil)
		c.PaddingMode = autograd.PadCircular
		return c
	}, func() *tensor.Tensor[float32] { return rand32(4, 2, 2, 9) })
	add("ConvTranspose2D", "", func() layers.Module[float32] {
		return layers.NewConvTranspose2D[float32](rng(), 2, 3, [2]int{2, 2}, layers.ConvTranspose2DOptions{Stride: [2]int{2, 2}}, nil)
	}, img)
	add("Flatten", "", value(layers.Flatten[float32]{}), img)
	add("Permute", "", value(layers.Permute[float32]{Axes: []int{0, 2, 1}}), seq)
	add("Unflatten", "", value(layers.Unflatten[float32]{Axis: -1, Shape: []int{2, -1}}), seq)
	add("Identity", "", value(layers.Identity[float32]{}), x2)
	add("GLU", "", value(layers.GLU[float32]{Axis: -1}), seq)
	add("Upsample", "nearest", func() layers.Module[float32] { return layers.NewUpsample[float32](2, autograd.InterpNearest) }, img)
	add("Upsample", "bilinear", func() layers.Module[float32] { return layers.NewUpsample[float32](1.5, autograd.InterpBilinear) }, img)
	add("Pad1D", "", func() layers.Module[float32] { return layers.NewReflectionPad1D[float32](2, 1) }, x2)
	add("Pad2D", "", func() layers.Module[float32] { return layers.NewZeroPad2D[float32](1, 0, 2, 1) }, img)
	add("Pad3D", "", func() layers.Module[float32] { return layers.NewReplicationPad3D[float32]([6]int{1, 1, 0, 2, 1, 0}) }, img)

	// Pooling.
	add("MaxPool2D", "", func() layers.Module[float32] { return layers.NewMaxPool2D[float32](2) }, img)
	add("MaxPool2D", "ceil", func() layers.Module[float32] {
		return &layers.MaxPool2D[float32]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, CeilMode: true}
	}, img)
	add("AvgPool2D", "", func() layers.Module[float32] { return layers.NewAvgPool2D[float32](2) }, img)
	add("AvgPool2D", "exclude pad", func() layers.Module[float32] {
		return &layers.AvgPool2D[float32]{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, ExcludePad: true}
	}, img)
	seq1 := func() *tensor.Tensor[float32] { return rand32(5, 2, 3, 9) }
	add("MaxPool1D", "", func() layers.Module[float32] { return layers.NewMaxPool1D[float32](2) }, seq1)
	add("MaxPool1D", "dilated ceil", func() layers.Module[float32] {
		return &layers.MaxPool1D[float32]{Kernel: 3, Stride: 2, Padding: 1, Dilation: 2, CeilMode: true}
	}, seq1)
	add("AvgPool1D", "", func() layers.Module[float32] { return layers.NewAvgPool1D[float32](3) }, seq1)
	add("AvgPool1D", "exclude pad", func() layers.Module[float32] {
		return &layers.AvgPool1D[float32]{Kernel: 4, Stride: 2, Padding: 2, ExcludePad: true}
	}, seq1)
	add("AdaptiveAvgPool2D", "", func() layers.Module[float32] { return layers.NewAdaptiveAvgPool2D[float32](4, 0) }, img)
	add("AdaptiveMaxPool2D", "", func() layers.Module[float32] { return layers.NewAdaptiveMaxPool2D[float32](2, 3) }, img)

	// Regularisation and normalisation.
	add("Dropout", "", func() layers.Module[float32] { return layers.NewDropout[float32](rng(), 0.5) }, img)
	add("LayerNorm", "", func() layers.Module[float32] { return layers.NewLayerNorm[float32](3) }, x2)
	add("RMSNorm", "", func() layers.Module[float32] { return layers.NewRMSNorm[float32](5, 8) }, seq)
	add("BatchNorm1d", "", func() layers.Module[float32] { return layers.NewBatchNorm1d[float32](3) }, x2)
	add("BatchNorm1d", "NCL", func() layers.Module[float32] { return layers.NewBatchNorm1d[float32](5) }, seq)
	add("BatchNorm2d", "", func() layers.Module[float32] { return layers.NewBatchNorm2d[float32](2) }, img)
	add("GroupNorm", "", func() layers.Module[float32] { return layers.NewGroupNorm[float32](2, 2) }, img)

	// Lookup, positions, attention, transformers.
	addIDs("Embedding", "", func() layers.Module[float32] { return layers.NewEmbedding[float32](rng(), 10, 4, nil) })
	addIDs("Embedding", "padded", func() layers.Module[float32] { return layers.NewEmbeddingPadded[float32](rng(), 10, 4, 3, nil) })
	add("PositionEmbedding", "", func() layers.Module[float32] { return layers.NewPositionEmbedding[float32](rng(), 5, 8, nil) }, seq)
	add("PositionEmbedding", "cropped", func() layers.Module[float32] { return layers.NewPositionEmbedding[float32](rng(), 9, 8, nil) }, seq)
	add("SinusoidalPositionEncoding", "", func() layers.Module[float32] { return layers.NewSinusoidalPositionEncoding[float32](5, 8) }, seq)
	add("SinusoidalPositionEncoding", "cropped", func() layers.Module[float32] { return layers.NewSinusoidalPositionEncoding[float32](8, 8) }, seq)
	add("TiedOutput", "", func() layers.Module[float32] {
		return layers.NewTiedOutput(layers.NewEmbedding[float32](rng(), 10, 8, nil), true)
	}, seq)
	add("TiedOutput", "4-D, no bias", func() layers.Module[float32] {
		return layers.NewTiedOutput(layers.NewEmbedding[float32](rng(), 10, 6, nil), false)
	}, func() *tensor.Tensor[float32] { return rand32(6, 2, 1, 3, 6) })
	add("MultiheadAttention", "", func() layers.Module[float32] { return layers.NewMultiheadAttention[float32](rng(), 8, 2) }, seq)
	add("MultiheadAttention", "causal dropout", func() layers.Module[float32] {
		m := layers.NewMultiheadAttention[float32](rng(), 8, 2).SetDropout(newRNG(12), 0.25)
		m.Causal = true
		return m
	}, seq)
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 16, Dropout: 0.1}
	add("TransformerEncoderLayer", "", func() layers.Module[float32] { return layers.NewTransformerEncoderLayer[float32](rng(), cfg) }, seq)
	add("TransformerEncoderLayer", "decoder block", func() layers.Module[float32] {
		c := cfg
		c.NormFirst, c.Activation = true, "gelu"
		return layers.NewDecoderBlock[float32](rng(), c)
	}, seq)
	add("TransformerEncoder", "", func() layers.Module[float32] { return layers.NewTransformerEncoder[float32](rng(), cfg, 2, true) }, seq)

	// Recurrent layers and cells.
	rec := layers.RecurrentOptions{NumLayers: 2, Bidirectional: true, Dropout: 0.25}
	seqIn := func() *tensor.Tensor[float32] { return rand32(5, 6, 2, 3) } // [L N in]
	add("RNN", "", func() layers.Module[float32] {
		o := rec
		o.Nonlinearity = layers.RNNReLU
		return layers.NewRNN[float32](rng(), 3, 4, o)
	}, seqIn)
	add("LSTM", "", func() layers.Module[float32] { return layers.NewLSTM[float32](rng(), 3, 4, rec) }, seqIn)
	add("GRU", "", func() layers.Module[float32] { return layers.NewGRU[float32](rng(), 3, 4, rec) }, seqIn)
	add("GRU", "batch first, no bias", func() layers.Module[float32] {
		return layers.NewGRU[float32](rng(), 2, 4, layers.RecurrentOptions{BatchFirst: true, NoBias: true})
	}, func() *tensor.Tensor[float32] { return rand32(5, 2, 6, 2) })
	add("RNNCell", "", func() layers.Module[float32] { return layers.NewRNNCell[float32](rng(), 3, 4, layers.RNNTanh) }, x2)
	add("LSTMCell", "", func() layers.Module[float32] { return layers.NewLSTMCell[float32](rng(), 3, 4) }, x2)
	add("GRUCell", "", func() layers.Module[float32] { return layers.NewGRUCell[float32](rng(), 3, 4) }, x2)

	// Containers.
	add("Sequential", "MLP", func() layers.Module[float32] {
		return layers.NewMLP[float32](rng(), []int{3, 6, 6, 2}, nil, layers.MLPDropout(0.2))
	}, x2)
	addIDs("Sequential", "language model", func() layers.Module[float32] {
		r := rng()
		emb := layers.NewEmbedding[float32](r, 10, 8, nil)
		return layers.NewSequential[float32](emb, layers.NewPositionEmbedding[float32](r, 7, 8, nil),
			layers.NewLayerNorm[float32](8), layers.NewTiedOutput(emb, false))
	})
	add("Named", "", func() layers.Module[float32] {
		r := rng()
		return layers.NewNamed(
			layers.NamedModule[float32]{Name: "conv", Module: layers.NewConv2D[float32](r, 2, 4, [2]int{3, 3}, layers.Conv2DOptions{}, nil)},
			layers.NamedModule[float32]{Name: "bn", Module: layers.NewBatchNorm2d[float32](4)},
			layers.NamedModule[float32]{Name: "act", Module: layers.SiLU[float32]{}},
			layers.NamedModule[float32]{Name: "head", Module: layers.NewNamed(
				layers.NamedModule[float32]{Name: "pool", Module: layers.NewAdaptiveAvgPool2D[float32](1, 1)},
				layers.NamedModule[float32]{Name: "flat", Module: layers.Flatten[float32]{}},
				layers.NamedModule[float32]{Name: "fc", Module: layers.NewLinear[float32](r, 4, 3, nil)},
			)},
		)
	}, img)
	add("Frozen", "MLP", func() layers.Module[float32] {
		return layers.Freeze(layers.NewMLP[float32](rng(), []int{3, 6, 6, 2}, nil))
	}, x2)
	add("Frozen", "[N L in]", func() layers.Module[float32] {
		r := rng()
		return layers.Freeze(layers.NewSequential[float32](layers.NewLinear[float32](r, 8, 5, nil), layers.Tanh[float32]{}, layers.NewLinear[float32](r, 5, 3, nil)))
	}, seq)
	return rows
}

// rand32 returns a float32 tensor of the given shape drawn uniformly from
// [-1, 1) with the given seed.
func rand32(seed uint64, shape ...int) *tensor.Tensor[float32] {
	return convert[float32](randTensor(newRNG(seed), shape...))
}

// moduleTypes returns the exported types of the package in dir that have
// a Parameters method, their own or promoted from an embedded type: the
// module types.
func moduleTypes(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name == "layers" {
			files = append(files, f)
		}
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/adjoint-go/adjoint/layers", doc.AllMethods)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, typ := range pkg.Types {
		for _, m := range typ.Methods {
			if m.Name == "Parameters" {
				out = append(out, typ.Name)
				break
			}
		}
	}
	return out
}

// TestEveryModuleTypeHasARow fails when an exported type of package layers
// with a Parameters method (a module) has no row in everyModule, so that
// the tests that range over it (AppendParameters, allocations under an
// Arena) cover a new module the moment it is declared.
func TestEveryModuleTypeHasARow(t *testing.T) {
	types := moduleTypes(t, ".")
	if len(types) < 40 {
		t.Fatalf("found %d module types (%v): the parser missed some", len(types), types)
	}
	listed := map[string]bool{}
	for _, r := range everyModule() {
		listed[r.typ] = true
	}
	for _, typ := range types {
		if !listed[typ] {
			t.Errorf("module type %s has no row in everyModule", typ)
		}
		delete(listed, typ)
	}
	for typ := range listed {
		t.Errorf("everyModule lists %s, which is not an exported module type of package layers", typ)
	}
	// Each row's instance is of the type it names.
	for _, r := range everyModule() {
		m, _ := r.build()
		got := strings.TrimPrefix(strings.TrimSuffix(fmt.Sprintf("%T", m), "[float32]"), "*layers.")
		got = strings.TrimPrefix(got, "layers.")
		if got != r.typ {
			t.Errorf("row %s builds a %s", r.name, got)
		}
	}
}
