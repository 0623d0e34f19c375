package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// torchRunner is the Python program TestTorchRunsDocModules runs: it reads
// a request on stdin, defines the module class from the documentation's
// source, loads the safetensors file into it with load_state_dict(strict=
// True), and prints its logits for the ids as JSON. It reads safetensors
// with the standard library, since Debian's python3-torch has no
// safetensors package.
const torchRunner = `
import json, struct, sys
import torch
from torch import nn

req = json.load(sys.stdin)
with open(req["weights"], "rb") as f:
    raw = f.read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
state = {}
for name, info in header.items():
    if name != "__metadata__":
        lo, hi = info["data_offsets"]
        t = torch.frombuffer(bytearray(raw[8 + n + lo:8 + n + hi]), dtype=torch.float32)
        state[name] = t.reshape(info["shape"])
env = {"torch": torch, "nn": nn}
exec(req["source"], env)
model = env[req["class"]](*req["args"])
model.load_state_dict(state, strict=True)
model.eval()
with torch.no_grad():
    out = model(torch.tensor(req["ids"], dtype=torch.long))
json.dump(out.tolist(), sys.stdout)
`

// docPython returns the Python class that the documentation comment in the
// Go file path shows, from its "class NAME" line to the end of the indented
// block, without the comment markers.
func docPython(t *testing.T, path, class string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "//\tclass "+class+"(") {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("%s has no documented Python class %s", path, class)
	}
	var py []string
	for i := start; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "//\t"):
			py = append(py, l[len("//\t"):])
			continue
		case l == "//" && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "//\t"):
			py = append(py, "")
			continue
		}
		break
	}
	return strings.Join(py, "\n") + "\n"
}

// TestTorchRunsDocModules checks that the PyTorch modules that gpt.go and
// lstm.go document run in PyTorch (torch 1.13 rejected the gpt's
// is_causal=True) and are the models: each loads a small model saved by
// this program with load_state_dict(strict=True), and its logits for a
// batch of ids are Forward's. Skipped without /usr/bin/python3 and torch.
func TestTorchRunsDocModules(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3: skipping the PyTorch cross-check")
	}
	if out, err := exec.Command(py, "-c", "import torch").CombinedOutput(); err != nil {
		t.Skipf("/usr/bin/python3 cannot import torch (%v: %s): skipping the PyTorch cross-check", err, bytes.TrimSpace(out))
	}
	for _, tt := range []struct {
		model, file, class string
	}{
		{"gpt", "gpt.go", "GPT"},
		{"lstm", "lstm.go", "CharLSTM"},
	} {
		t.Run(tt.model, func(t *testing.T) {
			cfg := smallConfig(tt.model)
			rng := rand.New(rand.NewPCG(5, 6))
			m, err := newModel(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), tt.model+".safetensors")
			if err := layers.SaveFile(path, m); err != nil {
				t.Fatal(err)
			}
			const n, steps = 2, 5 // fewer steps than the context
			ids := randomIDs(rng, n, steps)
			want := m.Forward(autograd.Const(tensor.MustNew(ids, n, steps))).Value().Data()
			req := map[string]any{
				"source": docPython(t, tt.file, tt.class), "class": tt.class, "weights": path,
				"args": []int{cfg.layers, cfg.dim}, "ids": [][]float32{ids[:steps], ids[steps:]},
			}
			if tt.model == "gpt" {
				req["args"] = []int{cfg.layers, cfg.dim, cfg.heads, cfg.context}
			}
			in, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-c", torchRunner)
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("PyTorch on the documented %s: %v\n%s", tt.class, err, stderr.String())
			}
			var logits [][]float32
			if err := json.Unmarshal(out, &logits); err != nil {
				t.Fatalf("parsing PyTorch's output %.200q: %v", out, err)
			}
			var got []float32
			for _, row := range logits {
				got = append(got, row...)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-4, 1e-5)); diff != "" {
				t.Errorf("logits (-adjoint +torch):\n%s", diff)
			}
		})
	}
}
