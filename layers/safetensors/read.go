package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/adjoint-go/adjoint/tensor"
)

// MaxDims is the largest number of dimensions Read accepts in a shape (the
// limit of NumPy 2). It bounds the memory a hostile header can make Read
// spend on shapes.
const MaxDims = 64

// File is a parsed safetensors file: its tensors, read by name, and its
// metadata. It is immutable, and safe for concurrent use.
type File struct {
	entries  map[string]entry
	names    []string // in the order of the data
	metadata map[string]string
	data     []byte // the byte buffer
}

// entry is one tensor of the header, checked against the byte buffer.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end uint64
}

// Read reads a safetensors file from r, to its end, and checks all of it:
// the header, every tensor's dtype, shape and byte range, and that the
// tensors cover the data exactly. An invalid file returns an error wrapping
// ErrFormat (a *FormatError, which names the tensor at fault); an error of r
// is returned wrapped.
//
// Read allocates in proportion to the bytes it actually reads, never to the
// lengths the file declares, and refuses a header longer than MaxHeaderSize
// before reading it. To bound the whole input, wrap r in an io.LimitReader:
// a file cut short by it is reported as truncated.
func Read(r io.Reader) (*File, error) {
	var lenBuf [8]byte
	if n, err := io.ReadFull(r, lenBuf[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErr("", "the file is %d bytes long, too short for the 8-byte header length", n)
		}
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, formatErr("", "header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	header, err := readUpTo(r, n)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if uint64(len(header)) < n {
		return nil, formatErr("", "truncated header: its length is %d bytes, but only %d bytes follow", n, len(header))
	}
	f, size, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if f.data, err = readUpTo(r, size); err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if uint64(len(f.data)) < size {
		return nil, formatErr("", "truncated data: the header describes %d bytes of tensor data, the file holds %d", size, len(f.data))
	}
	var extra [1]byte
	if m, err := io.ReadFull(r, extra[:]); m > 0 {
		return nil, formatErr("", "the file goes on after the %d bytes of tensor data that the header describes (every byte must belong to a tensor)", size)
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// ReadFile reads the named safetensors file, as Read does. Its errors name
// the file.
func ReadFile(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fd.Close()
	f, err := Read(fd)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return f, nil
}

// readUpTo reads up to n bytes from r, stopping early at the end of r. The
// buffer grows as the bytes arrive, so a large n costs nothing unless the
// bytes are there.
func readUpTo(r io.Reader, n uint64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<16))
	for uint64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(uint64(cap(buf)), n-uint64(len(buf)))))
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

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
	p := &parser{dec: json.NewDecoder(bytes.NewReader(h))}
	p.dec.UseNumber()
	f := &File{entries: map[string]entry{}}
	var order []entry // header order, for deterministic error messages
	seen := map[string]bool{}
	err := p.object("", "the header", func(key string) error {
		if seen[key] {
			return formatErr(key, "the name appears twice in the header")
		}
		seen[key] = true
		if key == metadataKey {
			m, err := p.metadata()
			f.metadata = m
			return err
		}
		e, err := p.entry(key)
		order = append(order, e)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if rest := bytes.TrimLeft(h[p.dec.InputOffset():], " \t\r\n"); len(rest) != 0 {
		return nil, 0, formatErr("", "the header goes on after its JSON object with %q, which is not space padding", rest[:min(len(rest), 16)])
	}

	for _, e := range order {
		if err := e.check(); err != nil {
			return nil, 0, err
		}
		f.entries[e.name] = e
	}
	// The byte ranges, in order, must tile the buffer: each begins where
	// the previous one ended.
	slices.SortFunc(order, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), strings.Compare(a.name, b.name))
	})
	var pos uint64
	for i, e := range order {
		switch {
		case e.begin < pos:
			prev := order[i-1]
			return nil, 0, formatErr(e.name, "bytes [%d, %d) overlap those of tensor %q [%d, %d)", e.begin, e.end, prev.name, prev.begin, prev.end)
		case e.begin > pos:
			return nil, 0, formatErr("", "bytes [%d, %d) of the data belong to no tensor (the next tensor, %q, begins at %d)", pos, e.begin, e.name, e.begin)
		}
		pos = e.end
		f.names = append(f.names, e.name)
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

// parser walks the header's JSON with a token decoder, so that it sees
// duplicate keys (which encoding/json's maps would silently merge).
type parser struct {
	dec *json.Decoder
}

// syntax turns a decoder error into a *FormatError.
func syntax(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr("", "the header is not valid JSON: it ends too early")
	}
	return formatErr("", "the header is not valid JSON: %v", err)
}

// checkSurrogates refuses a \u escape of half a UTF-16 surrogate pair that
// is not completed by its other half: JSON decoders disagree on such a name
// (Go's turns it into U+FFFD, so two different names would collide; the
// reference implementation refuses it), so a file holding one is damaged.
// A backslash outside a string is left to the JSON parser to refuse.
func checkSurrogates(h []byte) error {
	unit := func(i int) (rune, bool) { // the \uXXXX escape at h[i:], if any
		if i+6 > len(h) || h[i] != '\\' || h[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range h[i+2 : i+6] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i < len(h); i++ {
		if h[i] != '\\' {
			continue
		}
		r, ok := unit(i)
		if !ok {
			i++ // an escape of one character, such as \\ or \"
			continue
		}
		switch {
		case 0xD800 <= r && r < 0xDC00:
			if lo, ok := unit(i + 6); ok && 0xDC00 <= lo && lo < 0xE000 {
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

// delim reads the next token, which must be the delimiter d.
func (p *parser) delim(d json.Delim, name, what string) error {
	tok, err := p.dec.Token()
	if err != nil {
		return syntax(err)
	}
	if tok != d {
		return formatErr(name, "%s must be a JSON %s, not %v", what, map[json.Delim]string{'{': "object", '[': "array"}[d], describe(tok))
	}
	return nil
}

// object reads a JSON object, calling field for each key with the decoder
// positioned on the key's value.
func (p *parser) object(name, what string, field func(key string) error) error {
	if err := p.delim('{', name, what); err != nil {
		return err
	}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return syntax(err)
		}
		if err := field(tok.(string)); err != nil { // object keys are strings
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing '}'
		return syntax(err)
	}
	return nil
}

// metadata reads the __metadata__ object: strings to strings, or null.
func (p *parser) metadata() (map[string]string, error) {
	m := map[string]string{}
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return nil, syntax(err)
	}
	if string(raw) == "null" {
		return nil, nil
	}
	sub := &parser{dec: json.NewDecoder(bytes.NewReader(raw))}
	sub.dec.UseNumber()
	err := sub.object("", "__metadata__", func(key string) error {
		if _, dup := m[key]; dup {
			return formatErr("", "__metadata__: key %q appears twice", key)
		}
		tok, err := sub.dec.Token()
		if err != nil {
			return syntax(err)
		}
		s, ok := tok.(string)
		if !ok {
			return formatErr("", "__metadata__: the value of %q must be a string, not %v", key, describe(tok))
		}
		m[key] = s
		return nil
	})
	return m, err
}

// entry reads a tensor's {"dtype", "shape", "data_offsets"} object. Other
// keys are skipped, as the reference implementation does.
func (p *parser) entry(name string) (entry, error) {
	e := entry{name: name}
	var have struct{ dtype, shape, offsets bool }
	seen := map[string]bool{}
	err := p.object(name, "its header entry", func(key string) error {
		if seen[key] {
			return formatErr(name, "key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "dtype":
			tok, err := p.dec.Token()
			if err != nil {
				return syntax(err)
			}
			s, ok := tok.(string)
			if !ok {
				return formatErr(name, "dtype must be a string, not %v", describe(tok))
			}
			e.dtype, have.dtype = DType(s), true
		case "shape":
			dims, err := p.uints(name, "shape", MaxDims)
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
			have.shape = true
		case "data_offsets":
			offs, err := p.uints(name, "data_offsets", 2)
			if err != nil {
				return err
			}
			if len(offs) != 2 {
				return formatErr(name, "data_offsets must be [begin, end], not %d numbers", len(offs))
			}
			e.begin, e.end, have.offsets = offs[0], offs[1], true
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return syntax(err)
			}
		}
		return nil
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

// uints reads an array of at most limit non-negative integers.
func (p *parser) uints(name, what string, limit int) ([]uint64, error) {
	if err := p.delim('[', name, what); err != nil {
		return nil, err
	}
	var out []uint64
	for p.dec.More() {
		if len(out) == limit {
			return nil, formatErr(name, "%s has more than %d numbers", what, limit)
		}
		tok, err := p.dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, formatErr(name, "%s must hold integers, not %v", what, describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		switch {
		case strings.HasPrefix(string(num), "-"):
			return nil, formatErr(name, "%s holds a negative number, %s", what, num)
		case errors.Is(err, strconv.ErrRange):
			return nil, formatErr(name, "%s holds %s, which overflows 64 bits", what, num)
		case err != nil:
			return nil, formatErr(name, "%s holds %s, which is not an integer", what, num)
		}
		out = append(out, v)
	}
	if _, err := p.dec.Token(); err != nil { // the closing ']'
		return nil, syntax(err)
	}
	return out, nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' || t == '}' {
			return "an object"
		}
		return "an array"
	case string:
		return "the string " + strconv.Quote(t)
	case json.Number:
		return "the number " + t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// Names returns the names of the tensors, in the order of their data in the
// file.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Metadata returns a copy of the file's __metadata__ map, or nil if it has
// none.
func (f *File) Metadata() map[string]string { return maps.Clone(f.metadata) }

// Info returns the dtype and shape of the named tensor, and whether the file
// holds it.
func (f *File) Info(name string) (Info, bool) {
	e, ok := f.entries[name]
	if !ok {
		return Info{}, false
	}
	return Info{DType: e.dtype, Shape: slices.Clone(e.shape)}, true
}

// Float32 decodes the named F32 tensor into a new tensor. It returns an
// error if the file has no such tensor or if its dtype is not F32 (use
// Float64 for F64; other dtypes are not supported).
func (f *File) Float32(name string) (*tensor.Tensor[float32], error) {
	b, e, err := f.bytesOf(name, F32)
	if err != nil {
		return nil, err
	}
	d := make([]float32, len(b)/4)
	for i := range d {
		d[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return tensor.New(d, e.shape...)
}

// Float64 decodes the named F64 tensor into a new tensor. It returns an
// error if the file has no such tensor or if its dtype is not F64 (use
// Float32 for F32; other dtypes are not supported).
func (f *File) Float64(name string) (*tensor.Tensor[float64], error) {
	b, e, err := f.bytesOf(name, F64)
	if err != nil {
		return nil, err
	}
	d := make([]float64, len(b)/8)
	for i := range d {
		d[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return tensor.New(d, e.shape...)
}

// bytesOf returns the bytes of the named tensor, which must have dtype want.
func (f *File) bytesOf(name string, want DType) ([]byte, entry, error) {
	e, ok := f.entries[name]
	switch {
	case !ok:
		return nil, e, fmt.Errorf("safetensors: no tensor named %q", name)
	case e.dtype == want:
		return f.data[e.begin:e.end], e, nil
	case e.dtype == F32 || e.dtype == F64:
		return nil, e, fmt.Errorf("safetensors: tensor %q is %s, not %s", name, e.dtype, want)
	}
	return nil, e, fmt.Errorf("safetensors: tensor %q is %s, not %s: unsupported dtype (only F32 and F64 are decoded)", name, e.dtype, want)
}
