package layers

import (
	"fmt"
	"io"
	"strings"

	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// Save writes m's state to w as a safetensors file, the counterpart of a
// PyTorch state_dict: every named parameter, then every named buffer
// (BuffersOf: BatchNorm1d's running statistics), each under its
// hierarchical name ("0.weight", "2.bias"), as F32 for a float32 model and
// F64 for a float64 one, with the metadata {"format": "pt"}. Names and
// layouts are PyTorch's (Linear's weight is [out, in]), so torch's
// load_state_dict reads the file into the matching torch.nn model. The same
// model always gives the same bytes (package safetensors describes the
// layout).
//
// Save only reads the model: it may run while other goroutines evaluate it,
// but not during a training step. It returns an error if a parameter or
// buffer is nil, if two share a name or a name is empty, or if w fails.
func Save[T Float](w io.Writer, m Module[T]) error {
	named, err := stateOf(m)
	if err != nil {
		return fmt.Errorf("layers: Save: %w", err)
	}
	if err := safetensors.Write(w, toNamed(named), saveMetadata()); err != nil {
		return fmt.Errorf("layers: Save: %w", err)
	}
	return nil
}

// SaveFile writes m's state to the named file, as Save does. The file is
// written under a temporary name and renamed into place, so that a crash
// never leaves a half-written checkpoint, nor destroys the previous one.
func SaveFile[T Float](path string, m Module[T]) error {
	named, err := stateOf(m)
	if err != nil {
		return fmt.Errorf("layers: SaveFile %s: %w", path, err)
	}
	if err := safetensors.WriteFile(path, toNamed(named), saveMetadata()); err != nil {
		return fmt.Errorf("layers: SaveFile %s: %w", path, err)
	}
	return nil
}

// Load reads a safetensors file from r into m's parameters and buffers (the
// tensors Save writes), copying the values into the existing tensors in
// place, so that an optimizer holding them keeps working.
//
// Loading is strict about names and shapes, as torch's load_state_dict is by
// default: the file must hold exactly the model's tensors, each with the
// model's shape. Otherwise Load changes nothing and returns a *LoadError that
// lists every missing, unexpected, mis-shaped and wrongly typed tensor at
// once. Like load_state_dict, it converts between the two float types: an
// F64 file loads into a float32 model (each value rounded to the nearest
// float32) and an F32 file into a float64 one (exactly); any other dtype
// (F16, BF16, I64...) is a dtype mismatch. One exception to strictness: a
// tensor "num_batches_tracked" (or "….num_batches_tracked") that the model
// lacks is skipped, since PyTorch's BatchNorm saves that counter and
// Adjoint's keeps it outside its state (BatchNorm1d.NumBatchesTracked).
//
// A damaged or hostile file returns an error wrapping safetensors.ErrFormat
// and never panics (see safetensors.Read). Load writes the parameters: it
// must not run concurrently with anything else that uses the model.
func Load[T Float](r io.Reader, m Module[T]) error {
	f, err := safetensors.Read(r)
	if err != nil {
		return fmt.Errorf("layers: Load: %w", err)
	}
	return loadInto(f, m, "")
}

// LoadFile reads the named safetensors file into m, as Load does.
func LoadFile[T Float](path string, m Module[T]) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("layers: LoadFile: %w", err)
	}
	return loadInto(f, m, path)
}

// LoadError lists every way a model file fails to fit a model. Names are in
// the model's order, except Unexpected, which is in the file's.
type LoadError struct {
	File       string          // the file's path, or "" when read by Load
	Missing    []string        // in the model, not in the file
	Unexpected []string        // in the file, not in the model
	Shapes     []ShapeMismatch // in both, with different shapes
	DTypes     []DTypeMismatch // in both, with a dtype that does not convert
}

// ShapeMismatch is a tensor whose shape in the file differs from the
// model's.
type ShapeMismatch struct {
	Name        string
	File, Model []int
}

// DTypeMismatch is a tensor whose dtype in the file cannot be loaded into
// the model's element type.
type DTypeMismatch struct {
	Name        string
	File, Model safetensors.DType
}

// Error lists the mismatches, one kind per line.
func (e *LoadError) Error() string {
	var b strings.Builder
	what := "the file"
	if e.File != "" {
		what = e.File
	}
	fmt.Fprintf(&b, "layers: %s does not fit the model: %d missing, %d unexpected, %d mis-shaped, %d of the wrong dtype",
		what, len(e.Missing), len(e.Unexpected), len(e.Shapes), len(e.DTypes))
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "\n\tmissing from the file: %s", quoteAll(e.Missing))
	}
	if len(e.Unexpected) > 0 {
		fmt.Fprintf(&b, "\n\tunexpected in the file: %s", quoteAll(e.Unexpected))
	}
	for _, s := range e.Shapes {
		fmt.Fprintf(&b, "\n\tshape of %q: %v in the file, %v in the model", s.Name, s.File, s.Model)
	}
	for _, d := range e.DTypes {
		fmt.Fprintf(&b, "\n\tdtype of %q: %s in the file, %s in the model (only F32 and F64 convert)", d.Name, d.File, d.Model)
	}
	return b.String()
}

// empty reports whether the error lists nothing.
func (e *LoadError) empty() bool {
	return len(e.Missing)+len(e.Unexpected)+len(e.Shapes)+len(e.DTypes) == 0
}

// quoteAll returns the names quoted and comma-separated.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// saveMetadata is the metadata Save writes. "pt" tells Hugging Face's
// loaders that names and layouts are PyTorch's.
func saveMetadata() map[string]string { return map[string]string{"format": "pt"} }

// dtypeOf returns the safetensors dtype of T.
func dtypeOf[T Float]() safetensors.DType {
	var z T
	if _, ok := any(z).(float32); ok {
		return safetensors.F32
	}
	return safetensors.F64
}

// stateTensor is one tensor of a model's state: a parameter's value or a
// buffer.
type stateTensor[T Float] struct {
	name string
	t    *tensor.Tensor[T]
}

// stateOf returns m's named parameters followed by its named buffers,
// checking that none is nil and that no two share a name.
func stateOf[T Float](m Module[T]) ([]stateTensor[T], error) {
	var state []stateTensor[T]
	for _, p := range m.NamedParameters() {
		if p.Param == nil || p.Param.Value() == nil {
			return nil, fmt.Errorf("parameter %q is nil", p.Name)
		}
		state = append(state, stateTensor[T]{p.Name, p.Param.Value()})
	}
	for _, b := range BuffersOf(m) {
		if b.Buffer == nil {
			return nil, fmt.Errorf("buffer %q is nil", b.Name)
		}
		state = append(state, stateTensor[T]{b.Name, b.Buffer})
	}
	seen := make(map[string]bool, len(state))
	for _, s := range state {
		if seen[s.name] {
			return nil, fmt.Errorf("the model has two tensors named %q", s.name)
		}
		seen[s.name] = true
	}
	return state, nil
}

// toNamed returns the tensors of state for safetensors.Write.
func toNamed[T Float](state []stateTensor[T]) []safetensors.Named {
	out := make([]safetensors.Named, len(state))
	for i, s := range state {
		out[i] = safetensors.Of(s.name, s.t)
	}
	return out
}

// skippable reports whether a tensor of a file that the model lacks may be
// left out: PyTorch BatchNorm's num_batches_tracked counter.
func skippable(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// loadInto checks f against m and, if everything fits, copies f's values
// into m's tensors.
func loadInto[T Float](f *safetensors.File, m Module[T], path string) error {
	named, err := stateOf(m)
	if err != nil {
		if path != "" {
			return fmt.Errorf("layers: LoadFile %s: %w", path, err)
		}
		return fmt.Errorf("layers: Load: %w", err)
	}
	want := dtypeOf[T]()
	le := &LoadError{File: path}
	inModel := make(map[string]bool, len(named))
	for _, s := range named {
		inModel[s.name] = true
		info, ok := f.Info(s.name)
		if !ok {
			le.Missing = append(le.Missing, s.name)
			continue
		}
		if shape := s.t.Shape(); !tensor.SameShape(info.Shape, shape) {
			le.Shapes = append(le.Shapes, ShapeMismatch{Name: s.name, File: info.Shape, Model: shape})
		}
		if info.DType != safetensors.F32 && info.DType != safetensors.F64 {
			le.DTypes = append(le.DTypes, DTypeMismatch{Name: s.name, File: info.DType, Model: want})
		}
	}
	for _, name := range f.Names() {
		if !inModel[name] && !skippable(name) {
			le.Unexpected = append(le.Unexpected, name)
		}
	}
	if !le.empty() {
		return le
	}
	for _, s := range named {
		if err := copyInto(f, s.name, s.t); err != nil {
			return fmt.Errorf("layers: Load: %w", err) // unreachable: f was checked
		}
	}
	return nil
}

// copyInto copies the named tensor of f into dst, converting F32 and F64 to
// T.
func copyInto[T Float](f *safetensors.File, name string, dst *tensor.Tensor[T]) error {
	info, _ := f.Info(name)
	d := dst.Data()
	if info.DType == safetensors.F32 {
		src, err := f.Float32(name)
		if err != nil {
			return err
		}
		for i, v := range src.Data() {
			d[i] = T(v)
		}
		return nil
	}
	src, err := f.Float64(name)
	if err != nil {
		return err
	}
	for i, v := range src.Data() {
		d[i] = T(v)
	}
	return nil
}
