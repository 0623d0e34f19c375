package layers

import (
	"fmt"
	"strings"

	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// stateTensor is one tensor of a model's state: a parameter's value or a
// buffer, under one of its names; loadOnly marks a name that Load accepts
// but Save leaves out (see loadOnlyNamer).
type stateTensor[T Float] struct {
	name     string
	t        *tensor.Tensor[T]
	loadOnly bool
}

// stateGroup is one tensor of a model's state with every name it has in a
// PyTorch state_dict: names[0] is its first place (NamedParameters' or
// BuffersOf's name), the others the places of a module used twice or of a
// tied weight, all of which Save writes; loadOnly are further names under
// which Load accepts it too, and Save leaves out.
type stateGroup[T Float] struct {
	names    []string
	loadOnly []string
	t        *tensor.Tensor[T]
}

// loadNames returns every name under which Load accepts g's tensor: names,
// then loadOnly.
func (g stateGroup[T]) loadNames() []string {
	return append(g.names[:len(g.names):len(g.names)], g.loadOnly...)
}

// loadOnlyNamer is implemented by modules that hold a tensor of the state
// under a name that Save leaves out but a model file may still have: a
// TiedOutput with OmitWeight, whose weight a PyTorch state_dict holds under
// both names.
type loadOnlyNamer[T Float] interface {
	// loadOnlyNames returns those names, relative to the module, with the
	// tensors.
	loadOnlyNames() []NamedBuffer[T]
}

// stateOf returns m's named parameters followed by its named buffers,
// checking that m is not nil, that none is nil and that no two share a
// name.
func stateOf[T Float](m Module[T]) ([]stateTensor[T], error) {
	if isNil(m) {
		return nil, fmt.Errorf("the module is nil")
	}
	var state []stateTensor[T]
	for _, p := range m.NamedParameters() {
		if p.Param == nil || p.Param.Value() == nil {
			return nil, fmt.Errorf("parameter %q is nil", p.Name)
		}
		state = append(state, stateTensor[T]{name: p.Name, t: p.Param.Value()})
	}
	for _, b := range BuffersOf(m) {
		if b.Buffer == nil {
			return nil, fmt.Errorf("buffer %q is nil", b.Name)
		}
		state = append(state, stateTensor[T]{name: b.Name, t: b.Buffer})
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

// groupsOf returns m's state tensors, each once, in the order of stateOf,
// with all the names PyTorch's state_dict gives it: the names stateOf lists
// for the same tensor (a TiedOutput's weight) and those of every further
// place of a module used twice in a container, found by walking
// Children.
func groupsOf[T Float](m Module[T]) ([]stateGroup[T], error) {
	state, err := stateOf(m)
	if err != nil {
		return nil, err
	}
	var groups []stateGroup[T]
	at := make(map[*tensor.Tensor[T]]int, len(state))
	named := make(map[string]bool, len(state))
	add := func(s stateTensor[T]) {
		if named[s.name] {
			return
		}
		named[s.name] = true
		if i, ok := at[s.t]; ok {
			if s.loadOnly {
				groups[i].loadOnly = append(groups[i].loadOnly, s.name)
			} else {
				groups[i].names = append(groups[i].names, s.name)
			}
			return
		}
		at[s.t] = len(groups)
		groups = append(groups, stateGroup[T]{names: []string{s.name}, t: s.t})
	}
	for _, s := range state {
		add(s)
	}
	for _, s := range everyPlace(m, "", nil) {
		if _, ok := at[s.t]; ok { // a tensor outside the state is not saved
			add(s)
		}
	}
	return groups, nil
}

// everyPlace appends to dst m's parameters and buffers under every name
// they have, prefixed with prefix: a container's children each in full,
// without dropping what an earlier child already listed, and then the
// container's own tensors (those not under a child's name), with the
// names of loadOnlyNamer marked so. Nil tensors are left out (stateOf
// reports them).
func everyPlace[T Float](m Module[T], prefix string, dst []stateTensor[T]) []stateTensor[T] {
	var children []NamedModule[T]
	if c, ok := m.(Container[T]); ok {
		children = c.Children()
		for _, ch := range children {
			if ch.Module != nil {
				dst = everyPlace(ch.Module, prefix+ch.Name+".", dst)
			}
		}
	}
	own := func(name string) bool {
		for _, ch := range children {
			if strings.HasPrefix(name, ch.Name+".") {
				return false
			}
		}
		return true
	}
	for _, p := range m.NamedParameters() {
		if p.Param != nil && p.Param.Value() != nil && own(p.Name) {
			dst = append(dst, stateTensor[T]{name: prefix + p.Name, t: p.Param.Value()})
		}
	}
	for _, b := range BuffersOf(m) {
		if b.Buffer != nil && own(b.Name) {
			dst = append(dst, stateTensor[T]{name: prefix + b.Name, t: b.Buffer})
		}
	}
	if l, ok := m.(loadOnlyNamer[T]); ok {
		for _, b := range l.loadOnlyNames() {
			if b.Buffer != nil && own(b.Name) {
				dst = append(dst, stateTensor[T]{name: prefix + b.Name, t: b.Buffer, loadOnly: true})
			}
		}
	}
	return dst
}

// toNamed returns the tensors of groups for safetensors.Write: each first
// name in order, then the further names of shared tensors.
func toNamed[T Float](groups []stateGroup[T]) []safetensors.Named {
	var out, more []safetensors.Named
	for _, g := range groups {
		out = append(out, safetensors.Of(g.names[0], g.t))
		for _, n := range g.names[1:] {
			more = append(more, safetensors.Of(n, g.t))
		}
	}
	return append(out, more...)
}

// skippable reports whether a tensor of a file that the model lacks may be
// left out: PyTorch BatchNorm's num_batches_tracked counter.
func skippable(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// loadInto checks f against m and, if everything fits, copies f's values
// into m's tensors. Strict, a tensor missing from f or unexpected in it
// fails the load; otherwise they are returned, and the tensors f holds are
// loaded. op and path (or "") name the caller in errors.
func loadInto[T Float](f *safetensors.File, m Module[T], op, path string, strict bool) (missing, unexpected []string, err error) {
	wrap := func(err error) error {
		if path != "" {
			return fmt.Errorf("layers: %s %s: %w", op, path, err)
		}
		return fmt.Errorf("layers: %s: %w", op, err)
	}
	groups, err := groupsOf(m)
	if err != nil {
		return nil, nil, wrap(err)
	}
	want := dtypeOf[T]()
	le := &LoadError{File: path}
	inModel := make(map[string]bool)
	from := make([]string, len(groups)) // the name each group loads from
	for i, g := range groups {
		fits := true
		names := g.loadNames()
		for _, name := range names {
			inModel[name] = true
			info, ok := f.Info(name)
			if !ok {
				continue
			}
			if from[i] == "" {
				from[i] = name
			}
			if shape := g.t.Shape(); !tensor.SameShape(info.Shape, shape) {
				le.Shapes = append(le.Shapes, ShapeMismatch{Name: name, File: info.Shape, Model: shape})
				fits = false
			}
			if info.DType != safetensors.F32 && info.DType != safetensors.F64 {
				le.DTypes = append(le.DTypes, DTypeMismatch{Name: name, File: info.DType, Model: want})
				fits = false
			}
		}
		if from[i] == "" {
			le.Missing = append(le.Missing, g.names[0])
			continue
		}
		if fits {
			le.Conflicting = append(le.Conflicting, conflicts[T](f, names, from[i], g.t.Shape())...)
		}
	}
	for _, name := range f.Names() {
		if !inModel[name] && !skippable(name) {
			le.Unexpected = append(le.Unexpected, name)
		}
	}
	if !strict {
		missing, unexpected = le.Missing, le.Unexpected
		le.Missing, le.Unexpected = nil, nil
	}
	if !le.empty() {
		return nil, nil, le
	}
	for i := range groups { // before any copy: a refused file changes nothing
		if from[i] == "" {
			continue
		}
		if err := fitsIn[T](f, from[i]); err != nil {
			return nil, nil, wrap(err)
		}
	}
	for i, g := range groups {
		if from[i] == "" {
			continue
		}
		if err := copyInto(f, from[i], g.t); err != nil {
			return nil, nil, wrap(err) // unreachable: f was checked
		}
	}
	return missing, unexpected, nil
}

// conflicts returns the names, other than first, under which f holds a
// copy of one shared tensor (of the given shape) whose values, converted to
// T, differ in any bit from first's.
func conflicts[T Float](f *safetensors.File, names []string, first string, shape []int) []string {
	var ref, other *tensor.Tensor[T]
	var out []string
	for _, name := range names {
		if name == first {
			continue
		}
		if _, ok := f.Info(name); !ok {
			continue
		}
		if ref == nil {
			ref, other = tensor.Zeros[T](shape...), tensor.Zeros[T](shape...)
			if copyInto(f, first, ref) != nil {
				return nil // unreachable: f was checked
			}
		}
		if copyInto(f, name, other) != nil {
			return nil // unreachable: f was checked
		}
		if !tensor.SameBits(ref, other) {
			out = append(out, name)
		}
	}
	return out
}
