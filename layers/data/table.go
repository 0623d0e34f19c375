package data

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// Table is a numeric table: rows of float64 values under optional column
// names, stored row-major in one slice. ReadCSV makes one from a file and
// remembers the line each row came from and the field each column came from,
// so that later checks (Labels) can still point into the file, through
// Select and Take too. Methods that derive a table (Select, Take,
// Transform, ...) copy; Row and Data expose the storage itself.
//
// A Table is not modified by any method except through the slices Row and
// Data return, so it may be read from several goroutines at once.
type Table struct {
	names  []string  // column names, nil when the source had no header
	data   []float64 // rows*cols values, row-major
	rows   int
	cols   int
	lines  []int // source line of each row (1-based), nil when unknown
	fields []int // source field number of each column (1-based), nil when lines is
}

// FromRows builds a table from in-memory rows, copying them. names may be nil
// (no column names) or must hold one distinct name per column. It returns an
// error for ragged rows, a wrong number of names or a repeated name; a table
// with no rows is allowed (its column count is len(names)).
func FromRows(names []string, rows [][]float64) (*Table, error) {
	cols := len(names)
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	if names != nil {
		if len(names) != cols {
			return nil, fmt.Errorf("data: FromRows: %d names for %d columns", len(names), cols)
		}
		if err := checkNames(names); err != nil {
			return nil, fmt.Errorf("data: FromRows: %w", err)
		}
	}
	t := &Table{names: slices.Clone(names), rows: len(rows), cols: cols, data: make([]float64, 0, len(rows)*cols)}
	for i, r := range rows {
		if len(r) != cols {
			return nil, fmt.Errorf("data: FromRows: row %d has %d values, row 0 has %d", i, len(r), cols)
		}
		t.data = append(t.data, r...)
	}
	return t, nil
}

// checkNames returns an error naming the first repeated column name.
func checkNames(names []string) error {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("column %q appears twice", n)
		}
		seen[n] = true
	}
	return nil
}

// Rows returns the number of rows (samples).
func (t *Table) Rows() int { return t.rows }

// Cols returns the number of columns (features).
func (t *Table) Cols() int { return t.cols }

// Names returns a copy of the column names, or nil when the table has none
// (a CSV file read with NoHeader).
func (t *Table) Names() []string { return slices.Clone(t.names) }

// ColumnIndex returns the index of the column with the given name, or -1
// when there is no such column.
func (t *Table) ColumnIndex(name string) int { return slices.Index(t.names, name) }

// Data returns the values, row-major: row i is Data()[i*Cols() : (i+1)*Cols()].
// The slice is the table's own storage, not a copy.
func (t *Table) Data() []float64 { return t.data }

// Row returns row i, which is the table's own storage, not a copy. It panics
// with a *tensor.ShapeError when i is out of range.
func (t *Table) Row(i int) []float64 {
	t.checkRow("Row", i)
	return t.data[i*t.cols : (i+1)*t.cols : (i+1)*t.cols]
}

// At returns the value at row i, column j. It panics with a
// *tensor.ShapeError when either is out of range.
func (t *Table) At(i, j int) float64 {
	t.checkRow("At", i)
	t.checkCol("At", j)
	return t.data[i*t.cols+j]
}

// Line returns the 1-based line of the input that row i was read from, or 0
// when the table was not read from CSV. It panics with a *tensor.ShapeError
// when i is out of range.
func (t *Table) Line(i int) int {
	t.checkRow("Line", i)
	if t.lines == nil {
		return 0
	}
	return t.lines[i]
}

// Column returns a copy of column j. It panics with a *tensor.ShapeError when
// j is out of range.
func (t *Table) Column(j int) []float64 {
	t.checkCol("Column", j)
	out := make([]float64, t.rows)
	for i := range out {
		out[i] = t.data[i*t.cols+j]
	}
	return out
}

// Select returns a new table with the named columns, in the given order. It
// returns an error, naming the column, when the table has no column of that
// name (names usually come from a file's header, so a missing one is bad
// input rather than a bug) or a name is given twice.
func (t *Table) Select(names ...string) (*Table, error) {
	idx := make([]int, len(names))
	for k, n := range names {
		idx[k] = t.ColumnIndex(n)
		if idx[k] < 0 {
			if t.names == nil {
				return nil, fmt.Errorf("data: Select: no column %q: the table has no column names", n)
			}
			return nil, fmt.Errorf("data: Select: no column %q among %q", n, t.names)
		}
		if slices.Contains(names[:k], n) {
			return nil, fmt.Errorf("data: Select: column %q selected twice", n)
		}
	}
	return t.SelectIndex(idx...)
}

// SelectIndex returns a new table with the columns at the given indices, in
// that order; a negative index counts from the end (-1 is the last column).
// It returns an error when an index is out of range, since column counts come
// from files, or when a column is selected twice, so that names stay
// distinct.
func (t *Table) SelectIndex(cols ...int) (*Table, error) {
	idx := make([]int, len(cols))
	for k, j := range cols {
		jj, ok := t.resolveCol(j)
		if !ok {
			return nil, fmt.Errorf("data: SelectIndex: column %d out of range for a table of %d columns", j, t.cols)
		}
		if slices.Contains(idx[:k], jj) {
			return nil, fmt.Errorf("data: SelectIndex: column %d selected twice", jj)
		}
		idx[k] = jj
	}
	return t.selectCols(idx), nil
}

// resolveCol turns a possibly negative column index into one in [0, cols).
func (t *Table) resolveCol(j int) (int, bool) {
	if j < 0 {
		j += t.cols
	}
	return j, j >= 0 && j < t.cols
}

// selectCols copies the columns idx (all valid) into a new table.
func (t *Table) selectCols(idx []int) *Table {
	out := &Table{rows: t.rows, cols: len(idx), data: make([]float64, t.rows*len(idx)), lines: t.lines}
	if t.names != nil {
		out.names = make([]string, len(idx))
		for k, j := range idx {
			out.names[k] = t.names[j]
		}
	}
	if t.fields != nil {
		out.fields = make([]int, len(idx))
		for k, j := range idx {
			out.fields[k] = t.fields[j]
		}
	}
	for i := range t.rows {
		src := t.data[i*t.cols : (i+1)*t.cols]
		dst := out.data[i*out.cols : (i+1)*out.cols]
		for k, j := range idx {
			dst[k] = src[j]
		}
	}
	return out
}

// Take returns a new table with the rows at the given indices, in that order
// (repeats allowed): for example the training rows of a Split. It panics with
// a *tensor.ShapeError when an index is out of range.
func (t *Table) Take(rows []int) *Table {
	out := &Table{names: t.names, rows: len(rows), cols: t.cols, fields: t.fields, data: make([]float64, 0, len(rows)*t.cols)}
	if t.lines != nil {
		out.lines = make([]int, len(rows))
	}
	for k, i := range rows {
		t.checkRow("Take", i)
		out.data = append(out.data, t.data[i*t.cols:(i+1)*t.cols]...)
		if t.lines != nil {
			out.lines[k] = t.lines[i]
		}
	}
	return out
}

// errNotLabel is the cause of a Labels error for a value that is not a
// class label.
var errNotLabel = errors.New("not a class label")

// Labels returns column col as integer class labels in [0, classes), for
// example the digit of each row of a classification data set; a negative col
// counts from the end (-1 is the last column). It returns an error when col
// is out of range, classes is not positive, or a value is not an integer in
// [0, classes). For a bad value of a table read by ReadCSV the error is a
// *CSVError naming the line and the field number of the input the value was
// read from (not its position in the table, which Select, Take and
// CSVOptions.Columns change); for a table built in memory it names the
// value's 0-based row and column indices, as At takes them.
func (t *Table) Labels(col, classes int) ([]int, error) {
	j, ok := t.resolveCol(col)
	if !ok {
		return nil, fmt.Errorf("data: Labels: column %d out of range for a table of %d columns", col, t.cols)
	}
	if classes <= 0 {
		return nil, fmt.Errorf("data: Labels: %d classes, want at least 1", classes)
	}
	out := make([]int, t.rows)
	for i := range out {
		v := t.data[i*t.cols+j]
		if !(v >= 0 && v < float64(classes)) || v != math.Trunc(v) {
			return nil, t.valueError(i, j, fmt.Errorf("%v is %w in [0, %d)", v, errNotLabel, classes))
		}
		out[i] = int(v)
	}
	return out, nil
}

// FeaturesAndLabels splits a classification table into its features, every
// column but col, and col's values as class labels in [0, classes), checked
// as by Labels. A negative col counts from the end, so for the digits data
// (64 pixels, then the digit) it is
//
//	x, y, err := tab.FeaturesAndLabels(-1, 10)
func (t *Table) FeaturesAndLabels(col, classes int) (features *Table, labels []int, err error) {
	labels, err = t.Labels(col, classes)
	if err != nil {
		return nil, nil, err
	}
	j, _ := t.resolveCol(col)
	keep := make([]int, 0, t.cols-1)
	for k := range t.cols {
		if k != j {
			keep = append(keep, k)
		}
	}
	return t.selectCols(keep), labels, nil
}

// valueError wraps err with the position of the value at row i, column j
// (and the column's name, if any): for a table read from CSV, a *CSVError
// with the input line and 1-based field number it was read from; for a
// table built in memory, the 0-based row and column indices, counted as
// FromRows' errors and At count them.
func (t *Table) valueError(i, j int, err error) error {
	var name string
	if t.names != nil {
		name = t.names[j]
	}
	if t.lines != nil {
		return &CSVError{Line: t.lines[i], Column: t.fields[j], Name: name, Err: err}
	}
	return fmt.Errorf("data: row %d, column %d%s: %w", i, j, nameSuffix(name), err)
}

// ToTensor copies a table into a new [Rows, Cols] tensor, converting the
// values to T (float32 rounds to nearest). It returns an error when a
// finite value is too large for T, such as 1e39 for float32, which would
// become ±Inf after ReadCSV refused infinite values: the error names the
// value's position as Labels' errors do (a *CSVError with the line and the
// field of the input for a table read by ReadCSV). NaN and infinite values,
// which a table holds only when they were let in
// (CSVOptions.AllowNonFinite, FromRows), are copied as they are.
func ToTensor[T tensor.Float](t *Table) (*tensor.Tensor[T], error) {
	out := make([]T, len(t.data))
	for k, v := range t.data {
		out[k] = T(v)
		if math.IsInf(float64(out[k]), 0) && !math.IsInf(v, 0) {
			// Only a conversion to float32 can overflow.
			return nil, t.valueError(k/t.cols, k%t.cols, fmt.Errorf("ToTensor: %v is too large for float32 (at most %.3g)", v, math.MaxFloat32))
		}
	}
	return tensor.MustNew(out, t.rows, t.cols), nil
}

// checkRow panics when i is not a row index.
func (t *Table) checkRow(op string, i int) {
	if i < 0 || i >= t.rows {
		panic(shapeErr(op, fmt.Sprintf("row %d out of range", i), []int{t.rows, t.cols}))
	}
}

// checkCol panics when j is not a column index.
func (t *Table) checkCol(op string, j int) {
	if j < 0 || j >= t.cols {
		panic(shapeErr(op, fmt.Sprintf("column %d out of range", j), []int{t.rows, t.cols}))
	}
}

// shapeErr builds the *tensor.ShapeError this package panics with, copying
// the shapes.
func shapeErr(op, reason string, shapes ...[]int) *tensor.ShapeError {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = slices.Clone(s)
	}
	return &tensor.ShapeError{Pkg: "data", Op: op, Reason: reason, Shapes: cp}
}
