package layers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
)

// Random is implemented by the layers that draw random numbers in
// training from a generator of their own: Dropout, and MultiheadAttention,
// RNN, LSTM and GRU (their dropout); package parallel's Dropout too. Saving the generators' states with
// the model and optimizer files, and restoring them, makes a resumed run
// draw the masks an uninterrupted one would: PyTorch's torch.get_rng_state
// and set_rng_state, per layer here, since there is no global generator.
// RNGState and SetRNGState do it for a whole model.
type Random interface {
	// RNGState returns the generator's state (nil: the layer has none,
	// such as a MultiheadAttention without dropout).
	RNGState() []byte
	// SetRNGState restores a state RNGState returned, or returns an
	// error and changes nothing.
	SetRNGState(state []byte) error
}

// rngMagic starts the bytes of RNGState: a name and a version. Version 2
// names each generator's layer; SetRNGState still reads version 1, which
// does not.
const (
	rngMagic   = "adjoint-rng/2\n"
	rngMagicV1 = "adjoint-rng/1\n"
)

// RNGState returns the states of the generators of every Random layer of
// m, found as SetTraining finds layers (m itself, and through Containers;
// a layer used twice once), each with the kind of its layer, in one byte
// slice to save next to the model and optimizer files:
//
//	os.WriteFile("rng.bin", layers.RNGState(net), 0o644)
//
// A model without such layers gives a valid, short state.
func RNGState[T Float](m Module[T]) []byte {
	rs := randomLayers(m)
	out := binary.BigEndian.AppendUint32([]byte(rngMagic), uint32(len(rs)))
	for _, r := range rs {
		k := layerKind(r)
		out = binary.BigEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
		s := r.RNGState()
		out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out
}

// SetRNGState restores the states RNGState returned for a model of the
// same architecture, so that training resumed from files draws the masks
// of the uninterrupted run. It returns an error, and changes nothing, when
// state is damaged or was saved from a model whose Random layers differ in
// number, in kind (a Dropout where the model has an LSTM, in the order
// RNGState walks them) or in whether each has a generator. A state saved
// by an older version, which recorded no kinds, is checked for the rest.
// The kind does not include the element type: a float32 model's state
// restores into the same model in float64.
func SetRNGState[T Float](m Module[T], state []byte) error {
	rs := randomLayers(m)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("layers: SetRNGState: "+format, args...)
	}
	rest, ok := cutPrefix(state, rngMagic)
	kinds := ok
	if !ok {
		rest, ok = cutPrefix(state, rngMagicV1)
	}
	if !ok || len(rest) < 4 {
		return fail("not a state RNGState returned")
	}
	if n := int(binary.BigEndian.Uint32(rest)); n != len(rs) {
		return fail("the state holds %d generators, the model has %d layers that draw", n, len(rs))
	}
	rest = rest[4:]
	// field cuts one length-prefixed field off rest.
	field := func() ([]byte, bool) {
		if len(rest) < 4 || uint64(binary.BigEndian.Uint32(rest)) > uint64(len(rest)-4) {
			return nil, false
		}
		n := int(binary.BigEndian.Uint32(rest))
		f := rest[4 : 4+n]
		rest = rest[4+n:]
		return f, true
	}
	states := make([][]byte, len(rs))
	for i := range rs {
		if kinds {
			k, ok := field()
			if !ok {
				return fail("the state is cut short at generator %d", i)
			}
			if want := layerKind(rs[i]); string(k) != want {
				return fail("generator %d: the state was saved from a %s, the model has a %s there", i, k, want)
			}
		}
		s, ok := field()
		if !ok {
			return fail("the state is cut short at generator %d", i)
		}
		if len(s) > 0 {
			states[i] = s
		}
		if (states[i] == nil) != (rs[i].RNGState() == nil) {
			return fail("generator %d: the state and the layer (%T) disagree on whether it has one", i, rs[i])
		}
		if states[i] != nil {
			if _, err := parsePCG(states[i]); err != nil { // before any layer changes
				return fail("generator %d: %w", i, err)
			}
		}
	}
	if len(rest) != 0 {
		return fail("%d bytes after the last generator", len(rest))
	}
	for i, r := range rs {
		if err := r.SetRNGState(states[i]); err != nil {
			return fail("generator %d: %w", i, err) // unreachable: checked above
		}
	}
	return nil
}

// layerKind names a Random layer's type, without its type arguments, as
// RNGState records it: "github.com/adjoint-go/adjoint/layers.Dropout".
func layerKind(r Random) string {
	t := reflect.TypeOf(r)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		return t.String()
	}
	return t.PkgPath() + "." + name
}

// cutPrefix is bytes.CutPrefix for a string prefix.
func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return nil, false
	}
	return b[len(prefix):], true
}

// randomLayers returns the Random layers of m in SetTraining's order, each
// once.
func randomLayers[T Float](m Module[T]) []Random {
	var out []Random
	seen := map[any]bool{}
	var walk func(m Module[T])
	walk = func(m Module[T]) {
		if r, ok := m.(Random); ok {
			if reflect.ValueOf(r).Kind() != reflect.Pointer {
				out = append(out, r)
			} else if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
		if c, ok := m.(Container[T]); ok {
			for _, ch := range c.Children() {
				if ch.Module != nil {
					walk(ch.Module)
				}
			}
		}
	}
	walk(m)
	return out
}

// maskGen is a layer's generator of dropout masks: rng draws from src,
// whose state RNGState saves. The zero value has no generator.
type maskGen struct {
	src *rand.PCG
	rng *rand.Rand
}

// newMaskGen returns a generator seeded with (s1, s2).
func newMaskGen(s1, s2 uint64) maskGen {
	src := rand.NewPCG(s1, s2)
	return maskGen{src: src, rng: rand.New(src)}
}

// state returns the generator's state, nil when there is none.
func (g *maskGen) state() []byte {
	if g.src == nil {
		return nil
	}
	b, err := g.src.MarshalBinary()
	if err != nil {
		panic(err) // unreachable: a PCG always marshals
	}
	return b
}

// setState restores a state from state, or returns an error and changes
// nothing: for bytes that are not a state, and for a state given to a
// layer without a generator or none given to one with a generator.
func (g *maskGen) setState(state []byte) error {
	switch {
	case state == nil && g.src == nil:
		return nil
	case state == nil:
		return errors.New("no state for a layer that has a generator")
	case g.src == nil:
		return errors.New("a generator's state for a layer that has none")
	}
	src, err := parsePCG(state)
	if err != nil {
		return err
	}
	*g.src = *src
	return nil
}

// parsePCG returns the generator whose state MarshalBinary gave as state.
func parsePCG(state []byte) (*rand.PCG, error) {
	src := new(rand.PCG)
	if err := src.UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("not a generator's state: %w", err)
	}
	return src, nil
}
