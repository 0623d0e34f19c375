package layers

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor"
)

// maxFieldDepth bounds how deep checkHidden looks for modules in values
// that are not modules (structs, slices, maps, pointers) between a module
// and the next.
const maxFieldDepth = 16

// checkHidden returns an error when a module of m holds, in a field (or in
// a struct, pointer, interface, slice, array or map there), a module with
// a parameter or buffer that is not in the model's state, the tensors
// Save writes: a module of your own that holds a Linear and a BatchNorm1d
// in fields and lists their parameters, but is not a Container, would
// otherwise be saved without the running statistics, and loaded with them
// left as they were. It walks every module that Children and such fields
// reach, each once, and reads unexported fields too, but not those tagged
// `layers:"-"`.
func checkHidden[T Float](m Module[T], state map[*tensor.Tensor[T]]int) error {
	w := &hiddenWalk[T]{state: state, seen: map[visit]bool{}}
	return w.module(m, "")
}

// hiddenWalk is checkHidden's walk through a model.
type hiddenWalk[T Float] struct {
	state map[*tensor.Tensor[T]]int
	seen  map[visit]bool // the pointers already walked
}

// visit is a pointer, with its type, that hiddenWalk has walked.
type visit struct {
	t reflect.Type
	p uintptr
}

// module walks m, found at at ("" for the model, "1.encoder" for a child,
// "blocks[2]" for a field): its children when it is a Container, and the
// modules its fields hold.
func (w *hiddenWalk[T]) module(m Module[T], at string) error {
	v := reflect.ValueOf(m)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() || w.seen[visit{v.Type(), v.Pointer()}] {
			return nil
		}
		w.seen[visit{v.Type(), v.Pointer()}] = true
		v = v.Elem()
	}
	if c, ok := m.(Container[T]); ok {
		children, ok := listChildren(c)
		if !ok {
			return nil
		}
		for _, ch := range children {
			if ch.Module != nil {
				if err := w.module(ch.Module, join(at, ch.Name)); err != nil {
					return err
				}
			}
		}
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	v = addressable(v)
	for i := range v.NumField() {
		if skipped(v.Type().Field(i)) {
			continue
		}
		if err := w.value(m, at, v.Type().Field(i).Name, readable(v.Field(i)), 0); err != nil {
			return err
		}
	}
	return nil
}

// value looks for modules in v, found in owner (at at) under path.
func (w *hiddenWalk[T]) value(owner Module[T], at, path string, v reflect.Value, depth int) error {
	if depth > maxFieldDepth || !v.IsValid() {
		return nil
	}
	if sub, ok := asModule[T](v); ok {
		return w.held(owner, at, path, sub)
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			return w.value(owner, at, path, v.Elem(), depth)
		}
	case reflect.Pointer:
		key := visit{v.Type(), v.Pointer()}
		if v.IsNil() || opaque(v.Type().Elem()) || w.seen[key] {
			return nil
		}
		w.seen[key] = true
		return w.value(owner, at, path, v.Elem(), depth+1)
	case reflect.Struct:
		if opaque(v.Type()) {
			return nil
		}
		v = addressable(v)
		for i := range v.NumField() {
			if skipped(v.Type().Field(i)) {
				continue
			}
			if err := w.value(owner, at, path+"."+v.Type().Field(i).Name, readable(v.Field(i)), depth+1); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if scalar(v.Type().Elem()) {
			return nil
		}
		if v.Kind() == reflect.Array {
			v = addressable(v)
		}
		for i := range v.Len() {
			if err := w.value(owner, at, fmt.Sprintf("%s[%d]", path, i), v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		if scalar(v.Type().Elem()) {
			return nil
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			if err := w.value(owner, at, fmt.Sprintf("%s[%v]", path, k), v.MapIndex(k), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// held checks the module sub, which owner (at at) holds under path: every
// parameter and buffer of sub must be in the state. Then it walks sub.
func (w *hiddenWalk[T]) held(owner Module[T], at, path string, sub Module[T]) error {
	if v := reflect.ValueOf(sub); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	lost := func(kind, name string) error {
		where := ""
		if at != "" {
			where = fmt.Sprintf(" (at %q)", at)
		}
		return fmt.Errorf("%T%s holds a %T in %s whose %s %q is not in the model's state (neither its NamedParameters nor BuffersOf list it): "+
			"Save would leave it out and Load would not set it; make %T a Container whose Children include %s, or list the tensor",
			owner, where, sub, path, kind, name, owner, path)
	}
	params, buffers, ok := listState(sub)
	if !ok {
		return nil
	}
	for _, p := range params {
		if p.Param != nil && p.Param.Value() != nil {
			if _, ok := w.state[p.Param.Value()]; !ok {
				return lost("parameter", p.Name)
			}
		}
	}
	for _, b := range buffers {
		if b.Buffer != nil {
			if _, ok := w.state[b.Buffer]; !ok {
				return lost("buffer", b.Name)
			}
		}
	}
	return w.module(sub, join(at, path))
}

// listState returns sub's parameters and buffers, or false if listing
// them panics. The walk meets modules that Save was not asked to read: a
// zero value that was never built (a layer's field left for later) may
// panic there, and holds no state to lose.
func listState[T Float](sub Module[T]) (params []NamedParam[T], buffers []NamedBuffer[T], ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return sub.NamedParameters(), BuffersOf(sub), true
}

// listChildren returns c's children, or false if listing them panics (see
// listState).
func listChildren[T Float](c Container[T]) (children []NamedModule[T], ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return c.Children(), true
}

// asModule returns the module v holds, if v or its address is one.
func asModule[T Float](v reflect.Value) (Module[T], bool) {
	if !v.CanInterface() {
		return nil, false
	}
	if m, ok := v.Interface().(Module[T]); ok {
		return m, true
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() {
		m, ok := v.Addr().Interface().(Module[T])
		return m, ok
	}
	return nil, false
}

// readable returns v, a field's value, in a form whose Interface method
// works even for an unexported field: the same value, read through the
// field's address (as go-cmp's Exporter reads one). v must be addressable.
func readable(v reflect.Value) reflect.Value {
	if v.CanInterface() || !v.CanAddr() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// addressable returns v, or an addressable copy of it, so that readable
// can read its fields or elements.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() || !v.CanInterface() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

// skipped reports whether the field is tagged `layers:"-"`: it holds
// modules that are not part of the model (a teacher network, a reference
// to another model), which checkHidden does not look at.
func skipped(f reflect.StructField) bool { return f.Tag.Get("layers") == "-" }

// opaque reports whether checkHidden does not look into values of type t:
// tensors and Vars (a Var leads to its whole graph), and the standard
// library's types, which hold no modules.
func opaque(t reflect.Type) bool {
	pkg := t.PkgPath()
	if pkg == "" {
		return false
	}
	const root = "github.com/adjoint-go/adjoint/"
	for _, p := range []string{"tensor", "autograd"} {
		if pkg == root+p || strings.HasPrefix(pkg, root+p+"/") {
			return true
		}
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// scalar reports whether values of type t hold no module: numbers,
// strings, functions and channels.
func scalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
		return false
	}
	return true
}

// join returns the dotted path of name under at.
func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}
