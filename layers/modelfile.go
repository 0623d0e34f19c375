package layers

import (
	"fmt"
	"io"
	"math"
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
// load_state_dict reads the file into the matching torch.nn model. As in a
// state_dict, a tensor with several names (the parameters and buffers of a
// module used twice in a container, a TiedOutput's weight) is written under
// each of them; the further names come after all the first ones. The same
// model always gives the same bytes (package safetensors describes the
// layout).
//
// Save only reads the model: it may run while other goroutines evaluate it
// in evaluation mode, but not during a training step, nor while a Forward
// in training mode moves BatchNorm's running statistics, which Save reads.
// It returns an error if m, a parameter or a buffer is nil, if two share a name
// or a name is empty, or if w fails.
//
// Save writes what NamedParameters and BuffersOf report, nothing else: a
// module of your own that holds layers in fields must be a Container (see
// Container) for their buffers, such as BatchNorm's running statistics, to
// be saved, and loaded.
func Save[T Float](w io.Writer, m Module[T]) error {
	groups, err := groupsOf(m)
	if err != nil {
		return fmt.Errorf("layers: Save: %w", err)
	}
	if err := safetensors.Write(w, toNamed(groups), saveMetadata()); err != nil {
		return fmt.Errorf("layers: Save: %w", err)
	}
	return nil
}

// SaveFile writes m's state to the named file, as Save does. The file is
// written under a temporary name and renamed into place, so that a crash
// never leaves a half-written checkpoint, nor destroys the previous one.
func SaveFile[T Float](path string, m Module[T]) error {
	groups, err := groupsOf(m)
	if err != nil {
		return fmt.Errorf("layers: SaveFile %s: %w", path, err)
	}
	if err := safetensors.WriteFile(path, toNamed(groups), saveMetadata()); err != nil {
		return fmt.Errorf("layers: SaveFile %s: %w", path, err)
	}
	return nil
}

// Load reads a safetensors file from r into m's parameters and buffers (the
// tensors Save writes), copying the values into the existing tensors in
// place, so that an optimizer holding them keeps working.
//
// Load is strict about names and shapes, as torch's load_state_dict is by
// default (LoadNonStrict is its strict=False): the file must hold exactly
// the model's tensors, each with the model's shape. Otherwise Load changes
// nothing and returns a *LoadError that lists every missing, unexpected,
// mis-shaped, wrongly typed and conflicting tensor at once. One exception
// to strictness: a tensor "num_batches_tracked" (or
// "….num_batches_tracked") that the model lacks is skipped, since
// PyTorch's BatchNorm saves that counter and Adjoint's keeps it outside its
// state (BatchNorm1d.NumBatchesTracked).
//
// Like load_state_dict, Load converts between the two float types: an F64
// file loads into a float32 model, each value rounded to the nearest
// float32 (a value too small for float32 becomes a subnormal or 0, as in
// torch), and an F32 file into a float64 one (exactly); any other dtype
// (F16, BF16, I64...) is a dtype mismatch. Unlike load_state_dict, which
// would make it ±Inf, Load refuses an F64 value that is finite but beyond
// float32's range (±3.4028235e38), with an error naming the tensor, the
// element and the value, and loads nothing; the file's own NaN and ±Inf
// load as they are.
//
// A tensor with several names (see Save) may be in the file under any of
// them, so that both a PyTorch state_dict (every name) and a file that keeps
// a shared tensor once (Hugging Face's files, Adjoint's before Save wrote
// every name) load; it is missing only when none of its names is there. A
// TiedOutput's weight has both names here even with OmitWeight, which
// only leaves the second out of what Save writes.
// Every copy must have the model's shape and, converted to the model's
// float type, the same bits as the others, which Load checks instead of
// letting one silently win.
//
// A damaged or hostile file returns an error wrapping safetensors.ErrFormat
// and never panics (see safetensors.Read). Load writes the parameters: it
// must not run concurrently with anything else that uses the model.
func Load[T Float](r io.Reader, m Module[T]) error {
	f, err := safetensors.Read(r)
	if err != nil {
		return fmt.Errorf("layers: Load: %w", err)
	}
	_, _, err = loadInto(f, m, "Load", "", true)
	return err
}

// LoadFile reads the named safetensors file into m, as Load does.
func LoadFile[T Float](path string, m Module[T]) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("layers: LoadFile: %w", err)
	}
	_, _, err = loadInto(f, m, "LoadFile", path, true)
	return err
}

// LoadNonStrict reads a safetensors file from r into those of m's
// parameters and buffers that it holds, as torch's
// load_state_dict(strict=False) does, and returns the names of m's tensors
// missing from the file and those of the file's tensors that m lacks
// (torch's missing_keys and unexpected_keys), in the orders of LoadError.
// It serves to load a pretrained part of a model (a backbone without its
// head), or a file with tensors the model does not use. A tensor the model
// holds under several names (a tied weight, a module used twice) is found
// when the file has any one of them, and its other names are not listed as
// missing (torch lists each name the file lacks).
//
// Everything else is as strict as in Load: a tensor of the file that has a
// name of m's but another shape (an error in torch even with
// strict=False), a dtype that does not convert, copies of a shared tensor
// that differ, or a value beyond float32's range fail the load, and then
// LoadNonStrict changes nothing and returns the error (a *LoadError whose
// Missing and Unexpected are empty, for the first three).
func LoadNonStrict[T Float](r io.Reader, m Module[T]) (missing, unexpected []string, err error) {
	f, err := safetensors.Read(r)
	if err != nil {
		return nil, nil, fmt.Errorf("layers: LoadNonStrict: %w", err)
	}
	return loadInto(f, m, "LoadNonStrict", "", false)
}

// LoadFileNonStrict reads the named safetensors file into m, as
// LoadNonStrict does.
func LoadFileNonStrict[T Float](path string, m Module[T]) (missing, unexpected []string, err error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("layers: LoadFileNonStrict: %w", err)
	}
	return loadInto(f, m, "LoadFileNonStrict", path, false)
}

// LoadError lists every way a model file fails to fit a model. Names are in
// the model's order, except Unexpected, which is in the file's.
type LoadError struct {
	File       string          // the file's path, or "" when read from an io.Reader
	Missing    []string        // in the model, not in the file
	Unexpected []string        // in the file, not in the model
	Shapes     []ShapeMismatch // in both, with different shapes
	DTypes     []DTypeMismatch // in both, with a dtype that does not convert
	// Conflicting names the further copies of a tensor the model shares
	// (a module used twice, a tied weight) whose values differ from the
	// copy under its first name in the file.
	Conflicting []string
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
	if len(e.Conflicting) > 0 {
		fmt.Fprintf(&b, ", %d conflicting", len(e.Conflicting))
	}
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
	if len(e.Conflicting) > 0 {
		fmt.Fprintf(&b, "\n\tcopies of a shared tensor that differ from its first copy: %s", quoteAll(e.Conflicting))
	}
	return b.String()
}

// empty reports whether the error lists nothing.
func (e *LoadError) empty() bool {
	return len(e.Missing)+len(e.Unexpected)+len(e.Shapes)+len(e.DTypes)+len(e.Conflicting) == 0
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

// fitsIn returns an error naming the first element of the named tensor of
// f that is finite but beyond T's range, which converting it would turn
// into ±Inf: an F64 value above math.MaxFloat32 in magnitude (after
// rounding) for a float32 model. Values too small for float32 are not
// refused: they become subnormal or 0, as in a conversion anywhere.
func fitsIn[T Float](f *safetensors.File, name string) error {
	if info, _ := f.Info(name); info.DType != safetensors.F64 || dtypeOf[T]() != safetensors.F32 {
		return nil
	}
	src, err := f.Float64(name)
	if err != nil {
		return err
	}
	for i, v := range src.Data() {
		if !math.IsInf(v, 0) && math.IsInf(float64(float32(v)), 0) {
			return fmt.Errorf("tensor %q: element %v is %g, beyond float32's range (±%g): it would load as %v", name, unravel(i, src.Shape()), v, float32(math.MaxFloat32), float32(v))
		}
	}
	return nil
}

// unravel returns the index in shape of the i-th element in row-major
// order.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = i % shape[k]
		i /= shape[k]
	}
	return idx
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
