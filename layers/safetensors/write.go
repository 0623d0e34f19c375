package safetensors

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// metadataKey is the reserved header key of the free-form string map.
const metadataKey = "__metadata__"

// Write writes tensors and metadata to w as a safetensors file. Tensors are
// stored sorted by decreasing element size (F64 before F32), then by name,
// whatever their order in the slice, as the reference implementation does;
// metadata keys are sorted too, and metadata is written only when it is not
// empty. The output is therefore a function of the set of tensors alone.
//
// It returns an error, and writes nothing, for a Named without a tensor, an
// empty or duplicate name, the reserved name "__metadata__", a name or
// metadata string that is not valid UTF-8, or a header larger than
// MaxHeaderSize; otherwise the error is w's.
func Write(w io.Writer, tensors []Named, metadata map[string]string) error {
	order, header, err := prepare(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	bw.Write(n[:])
	bw.Write(header)
	chunk := make([]byte, 0, 1<<15)
	for _, t := range order {
		if err := writeData(bw, chunk, t); err != nil {
			return fmt.Errorf("safetensors: writing %q: %w", t.name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// WriteFile writes tensors and metadata to the named file, as Write does.
// It writes to a temporary file in the same directory and renames it into
// place after flushing it to disk (fsync), so that a failure (a full disk,
// a crash, a power loss) never leaves a truncated file at path, nor
// destroys a file that was already there. A file that was there keeps its
// permission bits, so that a private (0600) checkpoint stays private; a new
// file gets mode 0644.
func WriteFile(path string, tensors []Named, metadata map[string]string) (err error) {
	if _, _, err := prepare(tensors, metadata); err != nil {
		return err // nothing to clean up
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := Write(tmp, tensors, metadata); err != nil {
		return fmt.Errorf("%w (writing %s)", err, path)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	// Without the data on disk before the rename, a power loss could leave
	// the new name pointing at an empty file.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// prepare checks the tensors and metadata and returns the tensors in file
// order with the padded header.
func prepare(tensors []Named, metadata map[string]string) ([]Named, []byte, error) {
	seen := make(map[string]bool, len(tensors))
	for i, t := range tensors {
		switch {
		case t.DType() == "":
			return nil, nil, fmt.Errorf("safetensors: tensor %d (%q) holds no tensor: build it with Of and a non-nil tensor", i, t.name)
		case t.name == "":
			return nil, nil, fmt.Errorf("safetensors: tensor %d has an empty name", i)
		case t.name == metadataKey:
			return nil, nil, fmt.Errorf("safetensors: tensor %d: %q is reserved for the metadata", i, t.name)
		case !utf8.ValidString(t.name):
			return nil, nil, fmt.Errorf("safetensors: tensor %d: name %q is not valid UTF-8", i, t.name)
		case seen[t.name]:
			return nil, nil, fmt.Errorf("safetensors: two tensors are named %q", t.name)
		}
		seen[t.name] = true
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("safetensors: metadata %q: %q is not valid UTF-8", k, v)
		}
	}

	order := slices.Clone(tensors)
	slices.SortFunc(order, func(a, b Named) int {
		if c := b.DType().Size() - a.DType().Size(); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	// The header, in the reference implementation's compact JSON:
	// {"__metadata__":{...},"name":{"dtype":..,"shape":[..],"data_offsets":[b,e]},...}
	h := []byte{'{'}
	if len(metadata) > 0 {
		h = appendString(h, metadataKey)
		h = append(h, ":{"...)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				h = append(h, ',')
			}
			h = appendString(h, k)
			h = append(h, ':')
			h = appendString(h, metadata[k])
		}
		h = append(h, '}')
		if len(order) > 0 {
			h = append(h, ',')
		}
	}
	offset := 0
	for i, t := range order {
		if i > 0 {
			h = append(h, ',')
		}
		shape, n := t.shape()
		end := offset + n*t.DType().Size()
		h = appendString(h, t.name)
		h = append(h, `:{"dtype":`...)
		h = appendString(h, string(t.DType()))
		h = append(h, `,"shape":[`...)
		for j, d := range shape {
			if j > 0 {
				h = append(h, ',')
			}
			h = strconv.AppendInt(h, int64(d), 10)
		}
		h = append(h, `],"data_offsets":[`...)
		h = strconv.AppendInt(h, int64(offset), 10)
		h = append(h, ',')
		h = strconv.AppendInt(h, int64(end), 10)
		h = append(h, "]}"...)
		offset = end
	}
	h = append(h, '}')
	for len(h)%8 != 0 { // align the data to 8 bytes, as the reference does
		h = append(h, ' ')
	}
	if len(h) > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: the header would be %d bytes, more than MaxHeaderSize (%d)", len(h), MaxHeaderSize)
	}
	return order, h, nil
}

// appendString appends s (valid UTF-8) as a JSON string, escaping only what
// JSON requires ('"', '\\' and control characters), as serde_json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// writeData writes t's elements in little-endian order, through chunk.
func writeData(w io.Writer, chunk []byte, t Named) error {
	if t.f32 != nil {
		for _, v := range t.f32.Data() {
			if len(chunk)+4 > cap(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return err
				}
				chunk = chunk[:0]
			}
			chunk = binary.LittleEndian.AppendUint32(chunk, math.Float32bits(v))
		}
	} else {
		for _, v := range t.f64.Data() {
			if len(chunk)+8 > cap(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return err
				}
				chunk = chunk[:0]
			}
			chunk = binary.LittleEndian.AppendUint64(chunk, math.Float64bits(v))
		}
	}
	_, err := w.Write(chunk)
	return err
}
