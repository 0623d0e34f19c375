package data_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// gz returns s compressed with gzip.
func gz(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReadCSV reads well-formed tables: with and without a header, columns
// selected by name in any order (text in the others ignored), spaces, a byte
// order mark, CRLF and blank lines tolerated, other separators, comments,
// non-finite values when allowed, and gzip.
func TestReadCSV(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		in   string
		opts data.CSVOptions
		want tableView
	}{
		{
			name: "header, every column",
			in:   "a,b\n1,2\n3,4\n",
			want: tableView{Names: []string{"a", "b"}, Rows: [][]float64{{1, 2}, {3, 4}}, Lines: []int{2, 3}},
		},
		{
			name: "columns by name: shuffled, extra columns, spaces, BOM, CRLF, blank line",
			in:   "\uFEFFMEDV, CHAS ,LSTAT , RM\r\n24, 0, 4.98,6.5\r\n\r\n21.6,1,9.14, 6.25\r\n",
			opts: data.CSVOptions{Columns: []string{"RM", "LSTAT", "MEDV"}},
			want: tableView{Names: []string{"RM", "LSTAT", "MEDV"}, Rows: [][]float64{{6.5, 4.98, 24}, {6.25, 9.14, 21.6}}, Lines: []int{2, 4}},
		},
		{
			name: "unselected columns may hold text",
			in:   "town,x\nBoston,1.5\n\"Salem, MA\",2\n",
			opts: data.CSVOptions{Columns: []string{"x"}},
			want: tableView{Names: []string{"x"}, Rows: [][]float64{{1.5}, {2}}, Lines: []int{2, 3}},
		},
		{
			name: "quoted fields, exponents, signs",
			in:   "RM,LSTAT,MEDV\n\"6.5\",4.98e0,2.4E1\n-.5,+3,1e-3\n",
			want: tableView{Names: []string{"RM", "LSTAT", "MEDV"}, Rows: [][]float64{{6.5, 4.98, 24}, {-0.5, 3, 0.001}}, Lines: []int{2, 3}},
		},
		{
			name: "no header",
			in:   "0,1,2\n3,4,5\n",
			opts: data.CSVOptions{NoHeader: true},
			want: tableView{Rows: [][]float64{{0, 1, 2}, {3, 4, 5}}, Lines: []int{1, 2}},
		},
		{
			name: "no header, BOM",
			in:   "\uFEFF7,8\n",
			opts: data.CSVOptions{NoHeader: true},
			want: tableView{Rows: [][]float64{{7, 8}}, Lines: []int{1}},
		},
		{
			name: "BOM before a quoted header",
			in:   "\uFEFF\"a\",\"b\"\n1,2\n",
			want: tableView{Names: []string{"a", "b"}, Rows: [][]float64{{1, 2}}, Lines: []int{2}},
		},
		{
			name: "no header, BOM before a quoted value",
			in:   "\uFEFF\"1\",2\n3,4\n",
			opts: data.CSVOptions{NoHeader: true},
			want: tableView{Rows: [][]float64{{1, 2}, {3, 4}}, Lines: []int{1, 2}},
		},
		{
			name: "gzip, BOM",
			in:   gz(t, "\uFEFF\"a\"\n5\n"),
			want: tableView{Names: []string{"a"}, Rows: [][]float64{{5}}, Lines: []int{2}},
		},
		{
			name: "semicolons and comments",
			in:   "# made up\na;b\n1;2\n# skipped\n3;4\n",
			opts: data.CSVOptions{Comma: ';', Comment: '#'},
			want: tableView{Names: []string{"a", "b"}, Rows: [][]float64{{1, 2}, {3, 4}}, Lines: []int{3, 5}},
		},
		{
			name: "non-finite values when allowed",
			in:   "a,b\nNaN,inf\n-Inf,1e400\n",
			opts: data.CSVOptions{AllowNonFinite: true},
			want: tableView{Names: []string{"a", "b"}, Rows: [][]float64{{math.NaN(), inf}, {-inf, inf}}, Lines: []int{2, 3}},
		},
		{
			name: "gzip",
			in:   gz(t, "a,b\n1,2\n\n3,4\n"),
			want: tableView{Names: []string{"a", "b"}, Rows: [][]float64{{1, 2}, {3, 4}}, Lines: []int{2, 4}},
		},
		{
			name: "gzip, no header",
			in:   gz(t, "1,2,3\n"),
			opts: data.CSVOptions{NoHeader: true},
			want: tableView{Rows: [][]float64{{1, 2, 3}}, Lines: []int{1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := data.ReadCSV(strings.NewReader(tt.in), tt.opts)
			if err != nil {
				t.Fatalf("ReadCSV: %v", err)
			}
			if diff := cmp.Diff(tt.want, viewTable(tab), cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
			if tab.Rows()*tab.Cols() != len(tab.Data()) {
				t.Errorf("%d rows × %d columns, but %d values", tab.Rows(), tab.Cols(), len(tab.Data()))
			}
		})
	}
}

// TestReadCSVErrors checks that bad input returns an error that says where
// and what, as a *CSVError with the line, the column number and its name
// when the problem is one value or one row, and never panics.
func TestReadCSVErrors(t *testing.T) {
	// pos is a *CSVError's position: line, column (0 for the whole row)
	// and name.
	type pos struct {
		Line, Column int
		Name         string
	}
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
		opts data.CSVOptions
		pos  *pos     // nil when the error is not a *CSVError
		want []string // substrings of the message
	}{
		{"bad value", "RM,LSTAT,MEDV\n6.5,4.98,24\n6.2,abc,21.6\n", data.CSVOptions{},
			&pos{3, 2, "LSTAT"}, []string{`data: line 3, column 2 (LSTAT): "abc" is not a number`}},
		{"bad value in a selected column: numbered in the file", "CRIM,RM,LSTAT,MEDV\n1,6.5,4.98,x24\n",
			data.CSVOptions{Columns: []string{"MEDV", "RM"}},
			&pos{2, 4, "MEDV"}, []string{`line 2, column 4 (MEDV): "x24" is not a number`}},
		{"NaN refused", "RM,LSTAT,MEDV\n6.5,NaN,24\n", data.CSVOptions{},
			&pos{2, 2, "LSTAT"}, []string{`"NaN" is not a finite number`, "AllowNonFinite"}},
		{"Inf refused", "RM,LSTAT,MEDV\n+Inf,4.98,24\n", data.CSVOptions{},
			&pos{2, 1, "RM"}, []string{`"+Inf" is not a finite number`}},
		{"overflow refused", "a\n-1e400\n", data.CSVOptions{},
			&pos{2, 1, "a"}, []string{`"-1e400" is too large for a float64`}},
		{"empty value", "RM,LSTAT,MEDV\n6.5,,24\n", data.CSVOptions{},
			&pos{2, 2, "LSTAT"}, []string{`"" is not a number`}},
		{"spaces only", "a,b\n1,   \n", data.CSVOptions{},
			&pos{2, 2, "b"}, []string{`"" is not a number`}},
		{"invalid UTF-8", "RM,LSTAT,MEDV\n6.5,\xff\xfe,24\n", data.CSVOptions{},
			&pos{2, 2, "LSTAT"}, []string{`"\xff\xfe" is not a number`}},
		{"long value shortened", "a\n" + long + "\n", data.CSVOptions{},
			&pos{2, 1, "a"}, []string{`"` + long[:40] + `"… is not a number`}},
		{"no header: no name", "1,2\n3,x\n", data.CSVOptions{NoHeader: true},
			&pos{2, 2, ""}, []string{`data: line 2, column 2: "x" is not a number`}},
		{"after blank lines", "a,b\n\n\n1,x\n", data.CSVOptions{},
			&pos{4, 2, "b"}, []string{"line 4, column 2 (b)"}},
		{"quoted value over two lines: its first line", "a,b\n1,\"2\n3\"\n", data.CSVOptions{},
			&pos{2, 2, "b"}, []string{`"2\n3" is not a number`}},
		{"gzip: lines of the text", gz(t, "a,b\n1,2\n3,?\n"), data.CSVOptions{},
			&pos{3, 2, "b"}, []string{`line 3, column 2 (b): "?"`}},
		{"too few fields", "RM,LSTAT,MEDV\n6.5,4.98,24\n6.2,21.6\n", data.CSVOptions{},
			&pos{3, 0, ""}, []string{"data: line 3: 2 fields, but the header has 3"}},
		{"too many fields", "RM,LSTAT,MEDV\n6.5,4.98,24,7\n", data.CSVOptions{},
			&pos{2, 0, ""}, []string{"line 2: 4 fields, but the header has 3"}},
		{"no header: ragged", "1,2\n3\n", data.CSVOptions{NoHeader: true},
			&pos{2, 0, ""}, []string{"line 2: 1 field, but the first row has 2"}},
		{"missing column", "RM,MEDV\n6.5,24\n", data.CSVOptions{Columns: []string{"RM", "LSTAT"}},
			nil, []string{`line 1: the header has no column "LSTAT"`}},
		{"repeated column", "RM,LSTAT,RM,MEDV\n1,2,3,4\n", data.CSVOptions{},
			nil, []string{`line 1: column "RM" appears twice in the header (columns 1 and 3)`}},
		{"column selected twice", "a,b\n1,2\n", data.CSVOptions{Columns: []string{"a", "a"}},
			nil, []string{"Columns", `column "a" appears twice`}},
		{"columns without header", "1,2\n", data.CSVOptions{NoHeader: true, Columns: []string{"a"}},
			nil, []string{"needs a header row"}},
		{"empty input", "", data.CSVOptions{}, nil, []string{"empty input"}},
		{"empty input, no header", "\n\n", data.CSVOptions{NoHeader: true}, nil, []string{"empty input"}},
		{"header only", "RM,LSTAT,MEDV\n", data.CSVOptions{}, nil, []string{"line 1: a header but no data rows"}},
		// A file without a header, read without NoHeader: a hint.
		{"numbers as the header: repeated", "0,1,0\n3,4,5\n", data.CSVOptions{},
			nil, []string{`data: line 1: column "0" appears twice in the header (columns 1 and 3); the header row holds numbers only: if the file has no header, set CSVOptions.NoHeader`}},
		{"numbers as the header: one row", " 1.5, -2 ,3e4\n", data.CSVOptions{},
			nil, []string{`data: line 1: a header but no data rows; the header row holds numbers only: if the file has no header, set CSVOptions.NoHeader`}},
		{"numbers as the header: a selected column", "1,2\n3,4\n", data.CSVOptions{Columns: []string{"a"}},
			nil, []string{`data: line 1: the header has no column "a"; the header row holds numbers only: if the file has no header, set CSVOptions.NoHeader and pick the columns by index with Table.SelectIndex, since Columns picks them by name`}},
		{"bad separator", "a\n1\n", data.CSVOptions{Comma: '"'}, nil, []string{"delimiter"}},
		{"not gzip after the magic", "\x1f\x8bnot gzip at all", data.CSVOptions{}, nil, []string{"data: gzip:"}},
		{"truncated gzip", gz(t, "a,b\n1,2\n3,4\n")[:25], data.CSVOptions{}, nil, []string{"the gzip stream is truncated or corrupt: unexpected EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := data.ReadCSV(strings.NewReader(tt.in), tt.opts)
			if err == nil {
				t.Fatalf("ReadCSV succeeded with %+v, want an error", viewTable(tab))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var ce *data.CSVError
			switch {
			case tt.pos == nil && errors.As(err, &ce):
				t.Errorf("error %q is a *CSVError, want another kind", err)
			case tt.pos != nil && !errors.As(err, &ce):
				t.Errorf("error %q is not a *CSVError", err)
			case tt.pos != nil:
				if diff := cmp.Diff(*tt.pos, pos{ce.Line, ce.Column, ce.Name}); diff != "" {
					t.Errorf("position (-want +got):\n%s", diff)
				}
			}
		})
	}

	// A header of names gets no hint to set NoHeader.
	for _, in := range []string{"RM,LSTAT,RM\n1,2,3\n", "RM,1,2\n", "1,2,RM,RM\n1,2,3,4\n"} {
		if _, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{}); err == nil || strings.Contains(err.Error(), "NoHeader") {
			t.Errorf("ReadCSV(%q): %v, want an error without a hint to set NoHeader", in, err)
		}
	}

	// Malformed CSV keeps the encoding/csv error, with its position, in the
	// chain.
	_, err := data.ReadCSV(strings.NewReader("RM,LSTAT,MEDV\n6.5,4\"98,24\n"), data.CSVOptions{})
	var pe *csv.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Column != 6 {
		t.Errorf("bare quote: got %v, want a *csv.ParseError on line 2, column 6", err)
	}
}

// TestReadCSVBareCR checks that input whose lines end in a bare CR (classic
// Mac OS), which encoding/csv reads as one line, gets an error that says so
// (it was "a header but no data rows" or a value that is not a number), and
// that CRs which read well today still do: CR CR LF line ends, a quoted CR.
func TestReadCSVBareCR(t *testing.T) {
	bareCR := func(line int) string {
		return fmt.Sprintf("data: line %d holds carriage returns inside its fields: the input seems to end its lines with a bare CR (classic Mac OS), "+
			"which is no line end in CSV; convert the line ends to LF or CRLF", line)
	}
	for _, tt := range []struct {
		name string
		in   string
		opts data.CSVOptions
		want string
	}{
		{"one column", "a\r1\r2\r", data.CSVOptions{}, bareCR(1)},
		{"two columns", "a,b\r1,2\r3,4\r", data.CSVOptions{}, bareCR(1)},
		{"no header", "1,2\r3,4\r", data.CSVOptions{NoHeader: true}, bareCR(1)},
		{"selected columns", "a,b\r1,2\r3,4\r", data.CSVOptions{Columns: []string{"b"}}, bareCR(1)},
		{"gzipped", gz(t, "a\r1\r2\r"), data.CSVOptions{}, bareCR(1)},
		{"after an LF header: field count", "a,b\n1,2\r3,4\r", data.CSVOptions{}, bareCR(2)},
		{"after an LF header: value", "a\n1\r2\r3\n", data.CSVOptions{}, bareCR(2)},
		{"a quoted CR in a text column is not the cause", "a,note\n1,x\nabc,\"p\rq\"\n", data.CSVOptions{Columns: []string{"a"}},
			`data: line 3, column 1 (a): "abc" is not a number`},
		{"a quoted CR in the header is not the cause", "\"a\rb\",c\n1,2\n3,x\n", data.CSVOptions{},
			`data: line 3, column 2 (c): "x" is not a number`},
	} {
		_, err := data.ReadCSV(strings.NewReader(tt.in), tt.opts)
		if err == nil {
			t.Errorf("%s: no error, want %q", tt.name, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}

	for _, tt := range []struct {
		name string
		in   string
		want tableView
	}{
		{"CR CR LF", "a,b\r\r\n1,2\r\r\n", tableView{Names: []string{"a", "b"}, Rows: [][]float64{{1, 2}}, Lines: []int{2}}},
		{"a quoted CR in the header", "\"a\rb\",c\n1,2\n", tableView{Names: []string{"a\rb", "c"}, Rows: [][]float64{{1, 2}}, Lines: []int{2}}},
		{"a single line ending in CR", "1,2\r", tableView{Rows: [][]float64{{1, 2}}, Lines: []int{1}}},
	} {
		opts := data.CSVOptions{NoHeader: tt.want.Names == nil}
		tab, err := data.ReadCSV(strings.NewReader(tt.in), opts)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, viewTable(tab)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestReadCSVGzipTruncated cuts a gzipped file at several places and checks
// that the error says the gzip stream is truncated or corrupt, names the line
// of the CSV text where it broke off (the line after the last one gzip could
// deliver, counted here by decompressing the same bytes), and still wraps
// gzip's error for errors.Is. It was a bare "data: unexpected EOF".
func TestReadCSVGzipTruncated(t *testing.T) {
	var text strings.Builder
	text.WriteString("x,y\n")
	for i := range 20000 { // enough for gzip to deliver text before the cut
		fmt.Fprintf(&text, "%d,%d\n", i*7919%10007, i)
	}
	full := gz(t, text.String())
	for _, cut := range []int{12, len(full) / 3, len(full) / 2, len(full) - 4} {
		in := full[:cut]
		delivered, gzErr := io.ReadAll(mustGzipReader(t, in))
		if !errors.Is(gzErr, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: decompressing gives %v, want io.ErrUnexpectedEOF", cut, gzErr)
		}
		line := bytes.Count(delivered, []byte("\n")) + 1
		_, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{})
		want := fmt.Sprintf("data: line %d: the gzip stream is truncated or corrupt: unexpected EOF", line)
		if err == nil {
			t.Errorf("cut at %d of %d bytes: no error, want %q", cut, len(full), want)
			continue
		}
		if diff := cmp.Diff(want, err.Error()); diff != "" {
			t.Errorf("cut at %d of %d bytes (-want +got):\n%s", cut, len(full), diff)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: %v does not wrap io.ErrUnexpectedEOF", cut, err)
		}
	}

	_, err := data.ReadCSV(strings.NewReader(full[:5]), data.CSVOptions{})
	if want := "data: gzip: the stream is truncated in its header: unexpected EOF"; err == nil || err.Error() != want {
		t.Errorf("cut in the gzip header: got %v, want %q", err, want)
	}

	corrupt := []byte(full)
	corrupt[len(corrupt)-8] ^= 1 // the CRC-32 of the trailer
	_, err = data.ReadCSV(bytes.NewReader(corrupt), data.CSVOptions{})
	if !errors.Is(err, gzip.ErrChecksum) || !strings.Contains(err.Error(), "data: line 20002: the gzip stream is truncated or corrupt") {
		t.Errorf("bad checksum: got %v, want gzip.ErrChecksum at line 20002", err)
	}

	// A byte flipped in the compressed data decodes to garbage text first
	// (a row of the wrong width, a value that is no number) and fails
	// gzip's checksum only at the end: the error must blame the stream.
	// Each flip whose text still parses, or that deflate itself rejects,
	// is fine too, as long as a gzip error is what comes out.
	flips := 0
	for pos := len(full) / 4; pos < len(full)-8; pos += len(full) / 9 {
		bad := []byte(full)
		bad[pos] ^= 0x20
		_, err := data.ReadCSV(bytes.NewReader(bad), data.CSVOptions{})
		if err == nil {
			continue
		}
		flips++
		var corrupt flate.CorruptInputError
		if !errors.Is(err, gzip.ErrChecksum) && !errors.As(err, &corrupt) {
			t.Errorf("byte %d flipped: %v, want an error that wraps gzip's", pos, err)
		}
	}
	if flips == 0 {
		t.Errorf("no flipped byte made ReadCSV fail: the test checks nothing")
	}
}

// mustGzipReader returns a gzip reader of s, failing the test when s has no
// whole gzip header.
func mustGzipReader(t *testing.T, s string) *gzip.Reader {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// TestReadCSVFile reads a gzipped file from testdata (the first rows of the
// digits data) and checks that errors name the file.
func TestReadCSVFile(t *testing.T) {
	tab, err := data.ReadCSVFile(filepath.Join("testdata", "digits5.csv.gz"), data.CSVOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows() != 5 || tab.Cols() != 65 || tab.Names() != nil {
		t.Fatalf("got %d×%d, names %q; want 5×65 without names", tab.Rows(), tab.Cols(), tab.Names())
	}
	// The first digit's top row of pixels, and the labels 0 1 2 3 4.
	if diff := cmp.Diff([]float64{0, 0, 5, 13, 9, 1, 0, 0}, tab.Row(0)[:8]); diff != "" {
		t.Errorf("first pixels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0, 1, 2, 3, 4}, tab.Column(64)); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("a\n1\nz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = data.ReadCSVFile(bad, data.CSVOptions{})
	var ce *data.CSVError
	if err == nil || !strings.Contains(err.Error(), bad+`: data: line 3, column 1 (a): "z" is not a number`) || !errors.As(err, &ce) {
		t.Errorf("bad file: got %v", err)
	}
	_, err = data.ReadCSVFile(filepath.Join(t.TempDir(), "missing.csv"), data.CSVOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want os.ErrNotExist", err)
	}
}

// TestReadCSVGzipErrorWithoutDraining: an error the stream cannot have
// caused (a selected column the header lacks) returns at once, without
// reading the rest of the stream, which here never ends.
func TestReadCSVGzipErrorWithoutDraining(t *testing.T) {
	pr, pw := io.Pipe()
	defer pr.Close()
	go func() {
		zw := gzip.NewWriter(pw)
		zw.Write([]byte("a,b\n1,2\n3,4\n"))
		zw.Flush() // and never Close: the stream stays open
	}()
	done := make(chan error, 1)
	go func() {
		_, err := data.ReadCSV(pr, data.CSVOptions{Columns: []string{"c"}})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), `no column "c"`) {
			t.Errorf("got %v, want the missing column's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadCSV still blocked after 5 s: it drains a stream for an error the stream did not cause")
	}
}
