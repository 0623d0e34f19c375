package autograd_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// The PyTorch reference cases of the pointwise ops come from the op table:
// testdata/torchref/pointwise_ops.json lists every pointwise op as its
// OpInfo declares it, and gen_pointwise.py reads it for the torch side of
// each op (its expression) and for the cases every op gets (drawn from its
// domain, away from its kinks, at its Args). The Go side of every pointwise
// case is the op as the table declares it (torchRefOpFor), so a new
// pointwise op needs no edit here or in the generator: regenerate the list
// and the reference values,
//
//	go test ./autograd -run TestTorchRefPointwiseTable -update
//	/usr/bin/python3 autograd/testdata/torchref/gen.py

// pointwiseTableFile is the op table's pointwise metadata, as
// gen_pointwise.py reads it.
const pointwiseTableFile = "testdata/torchref/pointwise_ops.json"

// pointwiseTableOp is one op of pointwiseTableFile.
type pointwiseTableOp struct {
	Name   string     `json:"name"`
	Torch  string     `json:"torch"` // in terms of x and of the parameters' names
	Params []string   `json:"params"`
	Args   []float64  `json:"args"`
	Domain [2]float64 `json:"domain"`
	Kinks  []float64  `json:"kinks"`
}

// pointwiseTableJSON returns what pointwiseTableFile must hold: the
// pointwise ops of autograd.Ops in table order, one per line.
func pointwiseTableJSON(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("{\n\"generator\": \"go test ./autograd -run TestTorchRefPointwiseTable -update\",\n\"ops\": [\n")
	first := true
	for _, op := range autograd.Ops() {
		if op.Family != autograd.FamilyPointwise {
			continue
		}
		line, err := json.Marshal(pointwiseTableOp{
			Name: op.Name, Torch: op.Torch, Params: nonNil(op.Params), Args: nonNil(op.Args),
			Domain: op.Domain, Kinks: nonNil(op.Kinks),
		})
		if err != nil {
			t.Fatal(err)
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.Write(line)
	}
	b.WriteString("\n]\n}\n")
	return b.Bytes()
}

// nonNil returns s, or an empty slice for nil (a JSON [] rather than null).
func nonNil[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

// TestTorchRefPointwiseTable fails when pointwiseTableFile is not what the
// op table says (a pointwise op added or changed without regenerating it),
// and rewrites it with -update.
func TestTorchRefPointwiseTable(t *testing.T) {
	want := pointwiseTableJSON(t)
	if *update {
		if err := os.WriteFile(pointwiseTableFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(pointwiseTableFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: regenerate it with\n\tgo test ./autograd -run TestTorchRefPointwiseTable -update\nand the reference values with\n\t/usr/bin/python3 autograd/testdata/torchref/gen.py", pointwiseTableFile)
	}
}
