package safetensors

import (
	"bytes"
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// parseHeader parses and checks the JSON header, and returns the File
// without its data and the size its byte buffer must have.
func parseHeader(h []byte) (*File, uint64, error) {
	if len(h) == 0 || h[0] != '{' {
		return nil, 0, formatErr("", "the header does not start with '{'")
	}
	if !utf8.Valid(h) {
		return nil, 0, formatErr("", "the header is not valid UTF-8")
	}
	if err := checkSurrogates(h); err != nil {
		return nil, 0, err
	}
	s := &scanner{h: h}
	n, err := s.countMembers() // and check the syntax of the whole header
	if err != nil {
		return nil, 0, err
	}
	f := &File{entries: make([]entry, 0, n), index: make(map[string]int, n)}
	var haveMetadata bool
	err = s.object("", "the header", func(key []byte) error {
		if string(key) == metadataKey {
			if haveMetadata {
				return formatErr(metadataKey, "the name appears twice in the header")
			}
			haveMetadata = true
			m, err := s.checkMetadata()
			f.metadata = m
			return err
		}
		if _, dup := f.index[string(key)]; dup {
			return formatErr(string(key), "the name appears twice in the header")
		}
		name := string(key)
		f.index[name] = len(f.entries)
		e, err := s.entry(name)
		f.entries = append(f.entries, e)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if rest := bytes.TrimLeft(h[s.pos:], " \t\r\n"); len(rest) != 0 {
		return nil, 0, formatErr("", "the header goes on after its JSON object with %q, which is not space padding", rest[:min(len(rest), 16)])
	}

	for _, e := range f.entries { // in header order, for deterministic errors
		if err := e.check(); err != nil {
			return nil, 0, err
		}
	}
	// The byte ranges, in order, must tile the buffer: each begins where
	// the previous one ended.
	slices.SortFunc(f.entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), strings.Compare(a.name, b.name))
	})
	var pos uint64
	for i, e := range f.entries {
		switch {
		case e.begin < pos:
			prev := f.entries[i-1]
			return nil, 0, formatErr(e.name, "bytes [%d, %d) overlap those of tensor %q [%d, %d)", e.begin, e.end, prev.name, prev.begin, prev.end)
		case e.begin > pos:
			return nil, 0, formatErr("", "bytes [%d, %d) of the data belong to no tensor (the next tensor, %q, begins at %d)", pos, e.begin, e.name, e.begin)
		}
		pos = e.end
		f.index[e.name] = i
	}
	if pos > math.MaxInt {
		return nil, 0, formatErr("", "the tensors need %d bytes, more than fit in memory", pos)
	}
	return f, pos, nil
}

// check validates an entry's dtype, shape and byte range against each
// other.
func (e entry) check() error {
	size := e.dtype.Size()
	if size == 0 {
		return formatErr(e.name, "unknown dtype %q", e.dtype)
	}
	if e.end < e.begin {
		return formatErr(e.name, "data_offsets [%d, %d] end before they begin", e.begin, e.end)
	}
	n := uint64(1)
	for _, d := range e.shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return formatErr(e.name, "shape %v has more elements than fit in memory", e.shape)
		}
		n = lo
	}
	hi, nbytes := bits.Mul64(n, uint64(size))
	if hi != 0 {
		return formatErr(e.name, "shape %v of %s needs more bytes than fit in memory", e.shape, e.dtype)
	}
	if got := e.end - e.begin; got != nbytes {
		return formatErr(e.name, "data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d", e.begin, e.end, got, e.shape, e.dtype, nbytes)
	}
	return nil
}

// checkSurrogates refuses a \u escape of half a UTF-16 surrogate pair that
// is not completed by its other half: JSON decoders disagree on such a name
// (Go's turns it into U+FFFD, so two different names would collide; the
// reference implementation refuses it), so a file holding one is damaged.
// A backslash outside a string is left to the JSON parser to refuse.
func checkSurrogates(h []byte) error {
	for i := 0; i < len(h); i++ {
		if h[i] != '\\' {
			continue
		}
		r, ok := hexEscape(h, i)
		if !ok {
			i++ // an escape of one character, such as \\ or \"
			continue
		}
		switch {
		case 0xD800 <= r && r < 0xDC00:
			if lo, ok := hexEscape(h, i+6); ok && 0xDC00 <= lo && lo < 0xE000 {
				i += 11
				continue
			}
			return formatErr("", "the header holds an unpaired UTF-16 surrogate \\u%04X at byte %d", r, i)
		case 0xDC00 <= r && r < 0xE000:
			return formatErr("", "the header holds an unpaired UTF-16 surrogate \\u%04X at byte %d", r, i)
		}
		i += 5
	}
	return nil
}

// metadata reads the __metadata__ object, strings to strings, or null,
// calling pair with each key and value (valid until the next string is
// read); n is the number of keys, for pair's storage.
func (s *scanner) metadata(pair func(n int, key string, value []byte) error) error {
	if s.peek() == 'n' {
		return s.literal("null")
	}
	n, err := s.countMembers()
	if err != nil {
		return err
	}
	return s.object("", metadataKey, func(key []byte) error {
		k := string(key)
		if s.peek() != '"' {
			desc, err := s.describe()
			if err != nil {
				return err
			}
			return formatErr("", "__metadata__: the value of %q must be a string, not %s", k, desc)
		}
		v, err := s.str()
		if err != nil {
			return err
		}
		return pair(n, k, v)
	})
}

// checkMetadata checks the __metadata__ object (or null) at the scanner's
// position, refusing a key that appears twice, and returns its JSON text,
// which Metadata decodes (nil for null). Keeping the text, instead of a
// map, keeps a metadata of many small strings to its size.
func (s *scanner) checkMetadata() ([]byte, error) {
	start := s.pos
	var keys []string
	err := s.metadata(func(n int, key string, _ []byte) error {
		if keys == nil {
			keys = make([]string, 0, n)
		}
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return nil, formatErr("", "__metadata__: key %q appears twice", keys[i])
		}
	}
	if s.h[start] == 'n' {
		return nil, nil
	}
	return bytes.Clone(s.h[start:s.pos]), nil
}

// entry reads a tensor's {"dtype", "shape", "data_offsets"} object. Other
// keys are skipped, as the reference implementation does, but may not
// appear twice either.
func (s *scanner) entry(name string) (entry, error) {
	e := entry{name: name}
	var have struct{ dtype, shape, offsets bool }
	for _, k := range s.otherList {
		delete(s.others, k)
	}
	s.otherList = s.otherList[:0]
	once := func(key []byte, seen *bool) error {
		if *seen {
			return formatErr(name, "key %q appears twice", key)
		}
		*seen = true
		return nil
	}
	err := s.object(name, "its header entry", func(key []byte) error {
		switch string(key) {
		case "dtype":
			if err := once(key, &have.dtype); err != nil {
				return err
			}
			if s.peek() != '"' {
				desc, err := s.describe()
				if err != nil {
					return err
				}
				return formatErr(name, "dtype must be a string, not %s", desc)
			}
			b, err := s.str()
			e.dtype = dtypeNamed(b)
			return err
		case "shape":
			if err := once(key, &have.shape); err != nil {
				return err
			}
			dims, err := s.uints(name, "shape", MaxDims)
			if err != nil {
				return err
			}
			e.shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt {
					return formatErr(name, "shape dimension %d is too large", d)
				}
				e.shape[i] = int(d)
			}
			return nil
		case "data_offsets":
			if err := once(key, &have.offsets); err != nil {
				return err
			}
			offs, err := s.uints(name, "data_offsets", 2)
			if err != nil {
				return err
			}
			if len(offs) != 2 {
				return formatErr(name, "data_offsets must be [begin, end], not %d numbers", len(offs))
			}
			e.begin, e.end = offs[0], offs[1]
			return nil
		}
		if s.others[string(key)] {
			return formatErr(name, "key %q appears twice", key)
		}
		if s.others == nil {
			s.others = map[string]bool{}
		}
		k := string(key)
		s.others[k] = true
		s.otherList = append(s.otherList, k)
		return s.skip()
	})
	switch {
	case err != nil:
		return e, err
	case !have.dtype:
		return e, formatErr(name, "no dtype")
	case !have.shape:
		return e, formatErr(name, "no shape")
	case !have.offsets:
		return e, formatErr(name, "no data_offsets")
	}
	return e, nil
}

// dtypeNamed returns the DType spelled b: one of the constants, which
// costs no allocation, or a new string for a dtype Read will refuse.
func dtypeNamed(b []byte) DType {
	for _, d := range [...]DType{F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, Bool, F8E5M2, F8E4M3, F8E8M0, C64, F8E5M2FNUZ, F8E4M3FNUZ} {
		if string(b) == string(d) {
			return d
		}
	}
	return DType(b)
}

// uints reads an array of at most limit non-negative integers into s.nums
// and returns them, valid until the next call.
func (s *scanner) uints(name, what string, limit int) ([]uint64, error) {
	if s.peek() != '[' {
		return nil, s.mismatch(name, what, "array")
	}
	s.pos++
	s.space()
	if s.peek() == ']' {
		s.pos++
		return s.nums[:0], nil
	}
	for n := 0; ; {
		if n == limit {
			return nil, formatErr(name, "%s has more than %d numbers", what, limit)
		}
		if c := s.peek(); c != '-' && !isDigit(c) {
			desc, err := s.describe()
			if err != nil {
				return nil, err
			}
			return nil, formatErr(name, "%s must hold integers, not %s", what, desc)
		}
		num, err := s.number()
		if err != nil {
			return nil, err
		}
		v, err := parseUint(num, name, what)
		if err != nil {
			return nil, err
		}
		s.nums[n] = v
		n++
		s.space()
		switch s.peek() {
		case ',':
			s.pos++
			s.space()
		case ']':
			s.pos++
			return s.nums[:n], nil
		default:
			return nil, s.fail("after array element")
		}
	}
}

// parseUint returns the value of num, a JSON number that must be a
// non-negative integer that fits in 64 bits.
func parseUint(num []byte, name, what string) (uint64, error) {
	switch {
	case num[0] == '-':
		return 0, formatErr(name, "%s holds a negative number, %s", what, num)
	case bytes.ContainsAny(num, ".eE"):
		return 0, formatErr(name, "%s holds %s, which is not an integer", what, num)
	}
	var v uint64
	for _, c := range num {
		hi, lo := bits.Mul64(v, 10)
		sum, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 {
			return 0, formatErr(name, "%s holds %s, which overflows 64 bits", what, num)
		}
		v = sum
	}
	return v, nil
}
