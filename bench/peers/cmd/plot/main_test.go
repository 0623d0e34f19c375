package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestRunWritesPNG renders a small results file and decodes the PNG.
func TestRunWritesPNG(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.png")
	const results = `{"title": "test", "series": [
		{"label": "Adjoint", "dtype": "f32", "threads": 1, "points": [[64, 80], [128, 150], [256, 200]]},
		{"label": "Adjoint", "dtype": "f32", "threads": 2, "points": [[64, 90], [128, 250], [256, 380]]},
		{"label": "gonum", "dtype": "f64", "threads": 1, "points": [[64, 9], [128, 10], [256, 10.5]]}]}`
	if err := os.WriteFile(in, []byte(results), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("two panels should be wider than tall, got %v", b)
	}
}

// TestRunRejectsBadInput checks that malformed or empty results give errors.
func TestRunRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"malformed": `{"series": [`,
		"empty":     `{"series": []}`,
		"nopoints":  `{"series": [{"label": "x", "dtype": "f32", "threads": 1, "points": []}]}`,
	} {
		in := filepath.Join(dir, name+".json")
		if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := run(in, filepath.Join(dir, name+".png")); err == nil {
			t.Errorf("%s: run succeeded, want an error", name)
		}
	}
}
