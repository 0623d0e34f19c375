package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// MaxDims is the largest number of dimensions Read accepts in a shape (the
// limit of NumPy 2). It bounds the memory a hostile header can make Read
// spend on shapes.
const MaxDims = 64

// File is a parsed safetensors file: its tensors, read by name, and its
// metadata. It is immutable, and safe for concurrent use.
type File struct {
	entries  []entry        // in the order of the data
	index    map[string]int // the position of each name in entries
	metadata []byte         // the JSON text of __metadata__, checked; nil for none
	data     []byte         // the byte buffer
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
// before reading it. It reads the header in time linear in its length and
// allocates at most 6 bytes per byte of it in all (the header's own buffer,
// grown as the bytes arrive, takes up to 2), of which the File keeps at most
// 4: a shape's dimension, 2 bytes of JSON such as "0,", is an 8-byte int.
// A header of MaxHeaderSize thus costs at most 600 MB. The tensors' bytes
// are kept once, after a buffer grown as they arrive has taken up to twice
// their size. To bound the whole input, wrap r in an io.LimitReader: a file
// cut short by it is reported as truncated.
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
		// Up to n bytes, not to the capacity, which Grow may round past n:
		// the bytes after them belong to what follows (a header's to the
		// tensors' data).
		m, err := io.ReadFull(r, buf[len(buf):min(uint64(cap(buf)), n)])
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

// Names returns the names of the tensors, in the order of their data in the
// file.
func (f *File) Names() []string {
	names := make([]string, len(f.entries))
	for i, e := range f.entries {
		names[i] = e.name
	}
	return names
}

// Metadata returns a copy of the file's __metadata__ map, or nil if it has
// none.
func (f *File) Metadata() map[string]string {
	if f.metadata == nil {
		return nil
	}
	m := map[string]string{}
	s := &scanner{h: f.metadata}
	_ = s.metadata(func(n int, key string, value []byte) error { // Read checked the text
		if len(m) == 0 {
			m = make(map[string]string, n)
		}
		m[key] = string(value)
		return nil
	})
	return m
}

// Info returns the dtype and shape of the named tensor, and whether the file
// holds it.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.index[name]
	if !ok {
		return Info{}, false
	}
	e := f.entries[i]
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
	i, ok := f.index[name]
	var e entry
	if ok {
		e = f.entries[i]
	}
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
