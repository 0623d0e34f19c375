package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADME checks that the program the README shows under "Train your
// first network" is this one, character for character, so that the README
// cannot drift from code that compiles and is tested.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Train your first network\n")
	if !ok {
		t.Fatal(`README.md has no "## Train your first network" section`)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal("the README's Train your first network section has no Go block")
	}
	block, _, ok = strings.Cut(block, "```\n")
	if !ok || block != string(src) {
		t.Errorf("the README's program differs from examples/xor/main.go:\n%s", block)
	}
}
