package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSVOptions configures ReadCSV. The zero value reads a comma-separated file
// whose first row names the columns, keeps every column, and refuses NaN and
// infinite values.
type CSVOptions struct {
	// NoHeader says that the first row is data, not column names, as in the
	// digits data (64 pixels, then the label). The table then has no names.
	// An error about a header row that holds numbers only (a number that
	// appears twice, say) suggests setting it.
	NoHeader bool

	// Columns, if not empty, keeps only these columns, found by their name in
	// the header (in any order, surrounding spaces ignored) and returned in
	// this order. Values in other columns are not parsed, so they may hold
	// text. It needs a header row.
	Columns []string

	// Comma is the field separator; 0 means ','. It must be a valid rune
	// other than '\r', '\n', '"' and the Unicode replacement character.
	Comma rune

	// Comment, if not 0, starts a comment line: a line beginning with it is
	// skipped.
	Comment rune

	// AllowNonFinite accepts NaN, Inf and values too large for a float64
	// (which become ±Inf). Without it they are errors, since a NaN in the data
	// silently poisons every gradient it touches.
	AllowNonFinite bool
}

// CSVError reports a bad value or a bad row of CSV input, with its position.
// ReadCSV returns it for values that are not numbers and for rows with the
// wrong number of fields; malformed CSV (a stray quote) is reported by
// encoding/csv's *csv.ParseError instead, which also names the line and the
// column. Use errors.As to get at either.
type CSVError struct {
	Line   int    // 1-based line of the input
	Column int    // 1-based field number within the row, 0 when the whole row is at fault
	Name   string // the column's name from the header, "" when there is none
	Err    error  // what is wrong
}

// Error formats the error as
// `data: line 3, column 2 (LSTAT): "abc" is not a number`.
func (e *CSVError) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("data: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("data: line %d, column %d%s: %v", e.Line, e.Column, nameSuffix(e.Name), e.Err)
}

// Unwrap returns the cause, so that errors.Is and errors.As see it.
func (e *CSVError) Unwrap() error { return e.Err }

// nameSuffix formats a column name for an error message: " (name)", or
// nothing when the column has no name.
func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " (" + name + ")"
}

// gzipMagic starts every gzip stream (RFC 1952); no CSV text starts with it.
const gzipMagic = "\x1f\x8b"

// utf8BOM is the byte order mark some editors write at the start of a
// UTF-8 file.
const utf8BOM = "\uFEFF"

// ReadCSV reads a numeric table from CSV text, or from gzip-compressed CSV
// text, which it recognizes by the gzip magic bytes, so that
//
//	tab, err := data.ReadCSV(bytes.NewReader(digitsCSVGz), data.CSVOptions{NoHeader: true})
//
// loads a compressed file. Every value must parse as a float64
// (strconv.ParseFloat, surrounding spaces ignored); see CSVOptions for the
// header, column selection and NaN. A UTF-8 byte order mark, CRLF line ends
// and blank lines are tolerated. Bare CR line ends (classic Mac OS) are not,
// since CSV has no such line end and encoding/csv takes the lines for one:
// input that fails to read because of them gets an error that says so.
//
// It never panics, whatever the bytes: it returns an error for malformed CSV
// (a *csv.ParseError), a truncated or corrupt gzip stream (naming the line
// of the CSV text where it broke off, and wrapping gzip's error, such as
// io.ErrUnexpectedEOF for a truncated file; a corrupt stream whose text
// fails to parse before gzip notices is read to its end to find out), an
// empty input or one with no
// data rows, a header that repeats a name or lacks a selected column, and,
// as a *CSVError naming the line and the column (number and name), a row
// whose field count differs from the first row's or a value that is not a
// (finite) number.
func ReadCSV(r io.Reader, opts CSVOptions) (*Table, error) {
	if opts.NoHeader && len(opts.Columns) > 0 {
		return nil, errors.New("data: CSVOptions.Columns selects columns by name and needs a header row, but NoHeader is set")
	}
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(len(gzipMagic)); string(magic) != gzipMagic {
		return readCSV(br, opts, false)
	}
	zr, err := gzip.NewReader(br)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("data: gzip: the stream is truncated in its header: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("data: gzip: %w", err)
	}
	defer zr.Close()
	t, err := readCSV(bufio.NewReader(zr), opts, true)
	var pe *csv.ParseError
	var ce *CSVError
	if err != nil && (errors.As(err, &pe) || errors.As(err, &ce)) {
		// gzip checks its checksum only at the end, so a corrupt stream may
		// first decode to text that does not parse: the rest of the stream
		// (up to drainLimit bytes of text) says whether that is the cause.
		if _, derr := io.Copy(io.Discard, io.LimitReader(zr, drainLimit)); derr != nil && gzipError(derr) {
			return nil, fmt.Errorf("data: the gzip stream is corrupt: %w (its text failed to read first: %v)", derr, err)
		}
	}
	return t, err
}

// drainLimit bounds how much of a gzip stream ReadCSV decompresses after
// its text failed to parse, to see whether the stream is corrupt.
const drainLimit = 256 << 20

// readCSV is ReadCSV on br, the text itself, which came out of a gzip
// stream when gzipped.
func readCSV(br *bufio.Reader, opts CSVOptions, gzipped bool) (*Table, error) {
	// A byte order mark goes before the CSV parser sees it, which would
	// take it for the start of the first field (and refuse a quote after it).
	if bom, _ := br.Peek(len(utf8BOM)); string(bom) == utf8BOM {
		br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.Comment = opts.Comment
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	cr.ReuseRecord = true

	first, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("data: empty input, want at least one row")
	}
	if err != nil {
		return nil, readError(cr, first, err, gzipped)
	}
	firstLine, _ := cr.FieldPos(0)
	rr := rowReader{cr: cr, opts: opts, nfields: len(first), firstLine: firstLine, tab: &Table{}}
	return rr.read(first, gzipped)
}

// hasInnerCR reports whether field holds a carriage return other than in
// its surrounding space (a line end of CR CR LF leaves one at the end).
func hasInnerCR(field string) bool {
	return strings.ContainsRune(strings.TrimSpace(field), '\r')
}

// bareCRError is the error for a record, starting at line, whose fields
// hold carriage returns: what encoding/csv makes of bare CR line ends.
func bareCRError(line int) error {
	return fmt.Errorf("data: line %d holds carriage returns inside its fields: the input seems to end its lines with a bare CR (classic Mac OS), "+
		"which is no line end in CSV; convert the line ends to LF or CRLF", line)
}

// read reads the table whose first record, the header or the first data row,
// is first, and the rest of the records from r.cr.
//
// A file whose lines end in a bare CR (classic Mac OS) is a single record to
// encoding/csv, with the CRs inside its fields. It fails on that record (a
// header but no data rows, a value that is not a number, a header without a
// selected column, ...), and the error is replaced by one that names the
// cause. Only failing input is judged, so that a quoted CR in a field that
// reads well is still accepted; addRow does the same for a later row (a file
// whose line ends change after the header).
func (r *rowReader) read(first []string, gzipped bool) (*Table, error) {
	bareCR := slices.ContainsFunc(first, hasInnerCR) // now: the next Read overwrites first's fields
	if r.opts.NoHeader {
		cols := make([]int, r.nfields)
		for i := range cols {
			cols[i] = i
		}
		r.setCols(cols)
		if err := r.addRow(first); err != nil {
			return nil, err
		}
	} else if err := r.readHeader(first); err != nil {
		if bareCR {
			return nil, bareCRError(r.firstLine)
		}
		return nil, err
	}
	for {
		rec, err := r.cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readError(r.cr, rec, err, gzipped)
		}
		if err := r.addRow(rec); err != nil {
			return nil, err
		}
	}
	if r.tab.rows == 0 {
		if bareCR {
			return nil, bareCRError(r.firstLine)
		}
		return nil, fmt.Errorf("data: line %d: a header but no data rows%s", r.firstLine, r.noHeaderHint(r.header))
	}
	return r.tab, nil
}

// readError wraps an error of cr.Read, which returned rec with it. A
// *csv.ParseError names its line and column itself; any other error is the
// input's reader failing, and the message names the line of the CSV text it
// failed in (the partial record's), and when the input is gzipped and the
// error is gzip's, says that the gzip stream is truncated or corrupt (a bare
// "unexpected EOF" says neither).
func readError(cr *csv.Reader, rec []string, err error, gzipped bool) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) || len(rec) == 0 {
		return fmt.Errorf("data: %w", err)
	}
	line, _ := cr.FieldPos(len(rec) - 1)
	if gzipped && gzipError(err) {
		return fmt.Errorf("data: line %d: the gzip stream is truncated or corrupt: %w", line, err)
	}
	return fmt.Errorf("data: line %d: %w", line, err)
}

// gzipError reports whether err is how compress/gzip reports a stream that
// ends early or does not decode, rather than an error of the reader under it
// (though one that ends early looks the same).
func gzipError(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.As(err, &corrupt) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader)
}

// ReadCSVFile reads a numeric table from the named CSV file, or gzipped CSV
// file, with ReadCSV. Errors name the file.
func ReadCSVFile(path string, opts CSVOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	t, err := ReadCSV(f, opts)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, nil
}

// rowReader is the state of one ReadCSV call after the first row.
type rowReader struct {
	cr        *csv.Reader
	opts      CSVOptions
	nfields   int      // fields per row, from the first row
	firstLine int      // line of the first row (the header, if any)
	header    []string // trimmed header names, nil without a header
	cols      []int    // field index of each table column
	tab       *Table
}

// readHeader takes the column names from the header row and resolves the
// selected columns.
func (r *rowReader) readHeader(rec []string) error {
	r.header = make([]string, len(rec))
	pos := make(map[string]int, len(rec))
	for i, h := range rec {
		name := strings.TrimSpace(h)
		if j, dup := pos[name]; dup {
			return fmt.Errorf("data: line %d: column %q appears twice in the header (columns %d and %d)%s", r.firstLine, name, j+1, i+1, r.noHeaderHint(rec))
		}
		pos[name] = i
		r.header[i] = name
	}
	want := r.opts.Columns
	if len(want) == 0 {
		want = r.header
	}
	cols := make([]int, len(want))
	for k, name := range want {
		i, ok := pos[name]
		if !ok {
			return fmt.Errorf("data: line %d: the header has no column %q%s", r.firstLine, name, r.noHeaderHint(rec))
		}
		cols[k] = i
	}
	if err := checkNames(want); err != nil {
		return fmt.Errorf("data: CSVOptions.Columns: %w", err)
	}
	r.tab.names = append([]string{}, want...)
	r.setCols(cols)
	return nil
}

// noHeaderHint returns a hint to append to an error about the header row
// header: when every field of it is a number, that the file may have no
// header and CSVOptions.NoHeader reads it; "" otherwise.
func (r *rowReader) noHeaderHint(header []string) string {
	for _, f := range header {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil {
			return ""
		}
	}
	if len(r.opts.Columns) > 0 {
		return "; the header row holds numbers only: if the file has no header, set CSVOptions.NoHeader " +
			"and pick the columns by index with Table.SelectIndex, since Columns picks them by name"
	}
	return "; the header row holds numbers only: if the file has no header, set CSVOptions.NoHeader"
}

// setCols sets the field index of each table column, and has the table
// remember the 1-based field numbers, for errors found after reading.
func (r *rowReader) setCols(cols []int) {
	r.cols = cols
	r.tab.cols = len(cols)
	r.tab.fields = make([]int, len(cols))
	for k, c := range cols {
		r.tab.fields[k] = c + 1
	}
}

// addRow parses the selected fields of one record and appends them to the
// table. When a row with the wrong number of fields, or a value that is not
// a number, holds carriage returns inside, the error says that the lines
// seem to end in bare CRs, which is the likely cause.
func (r *rowReader) addRow(rec []string) error {
	line, _ := r.cr.FieldPos(0)
	if len(rec) != r.nfields {
		if slices.ContainsFunc(rec, hasInnerCR) {
			return bareCRError(line)
		}
		what := "the header has"
		if r.header == nil {
			what = "the first row has"
		}
		return &CSVError{Line: line, Err: fmt.Errorf("%s, but %s %d", fields(len(rec)), what, r.nfields)}
	}
	for _, c := range r.cols {
		v, err := r.parse(rec[c])
		if err != nil {
			if hasInnerCR(rec[c]) {
				return bareCRError(line)
			}
			l, _ := r.cr.FieldPos(c)
			e := &CSVError{Line: l, Column: c + 1, Err: err}
			if r.header != nil {
				e.Name = r.header[c]
			}
			return e
		}
		r.tab.data = append(r.tab.data, v)
	}
	r.tab.lines = append(r.tab.lines, line)
	r.tab.rows++
	return nil
}

// parse reads one field as a float64 under the options.
func (r *rowReader) parse(field string) (float64, error) {
	s := strings.TrimSpace(field)
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0):
		if !r.opts.AllowNonFinite {
			return 0, fmt.Errorf("%s is too large for a float64 (CSVOptions.AllowNonFinite reads it as ±Inf)", quote(s))
		}
	case err != nil:
		return 0, fmt.Errorf("%s is not a number", quote(s))
	case !r.opts.AllowNonFinite && (math.IsNaN(v) || math.IsInf(v, 0)):
		return 0, fmt.Errorf("%s is not a finite number (CSVOptions.AllowNonFinite accepts it)", quote(s))
	}
	return v, nil
}

// maxQuoted is how many bytes of a bad value an error message shows.
const maxQuoted = 40

// quote returns s quoted for an error message, shortened when long.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// fields formats a field count: "1 field", "3 fields".
func fields(n int) string {
	if n == 1 {
		return "1 field"
	}
	return strconv.Itoa(n) + " fields"
}
