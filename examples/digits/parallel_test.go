package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/layers/data"
)

// TestWorkersSameRun trains the CNN for one epoch with 1 and 3 goroutine
// workers and checks that everything printed after the header (losses,
// accuracies, the confusion matrix) is the same: the weights are the same
// bits.
func TestWorkersSameRun(t *testing.T) {
	header := regexp.MustCompile(`(?m)^Adam, .*\n`)
	var outs []string
	for _, w := range []string{"1", "3"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-model", "cnn", "-epochs", "1", "-workers", w, "-plots", ""}, &stdout, &stderr); code != 0 {
			t.Fatalf("-workers %s: exit %d: %s", w, code, &stderr)
		}
		if !strings.Contains(stdout.String(), "on "+w+" goroutine worker(s)") {
			t.Errorf("-workers %s: the header does not say so:\n%s", w, &stdout)
		}
		outs = append(outs, header.ReplaceAllString(stdout.String(), ""))
	}
	if outs[0] != outs[1] {
		t.Errorf("1 and 3 workers differ:\n%s\n---\n%s", outs[0], outs[1])
	}
	if !strings.Contains(outs[0], "test accuracy") {
		t.Errorf("no test accuracy in\n%s", outs[0])
	}
}

// TestParallelFlags checks the flags of the parallel trainer.
func TestParallelFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-workers", "9"}, 2, "-workers must be between 0 and 8, got 9"},
		{[]string{"-workers=-1"}, 2, "-workers must be between 0 and 8, got -1"},
		{[]string{"-mpi", "-workers", "2"}, 2, "leave -workers at 0"},
		{[]string{"-workers", "2", "-batch", "3"}, 2, "-batch must be at least 8 with -workers or -mpi, which split every batch into 8 micro-batches of at least one image, got 3"},
		{[]string{"-workers", "1", "-batch", "7"}, 2, "-batch must be at least 8 with -workers or -mpi"},
		{[]string{"-mpi", "-batch", "1"}, 2, "-batch must be at least 8 with -workers or -mpi"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
}

// TestFoldShortLast checks that a last batch shorter than the micro-batches
// joins the one before it, that other batches pass as they are, and that
// every index is still yielded once an epoch, epoch after epoch.
func TestFoldShortLast(t *testing.T) {
	for _, tt := range []struct {
		n, batch int
		want     []int // batch sizes
	}{
		{20, 9, []int{9, 11}},       // 9 9 2: the 2 joins
		{1438, 1437, []int{1438}},   // 1437 1: one batch
		{25, 8, []int{8, 8, 9}},     // 8 8 8 1
		{24, 8, []int{8, 8, 8}},     // no short batch
		{26, 9, []int{9, 9, 8}},     // 8 is enough
		{5, 9, []int{5}},            // a short only batch stays
		{30, 10, []int{10, 10, 10}}, // no short batch
	} {
		batches, err := data.NewBatches(tt.n, tt.batch, nil, data.BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf []int
		for epoch := range 2 {
			var sizes, all []int
			for idx := range foldShortLast(batches.Epoch(), 8, &buf) {
				sizes = append(sizes, len(idx))
				all = append(all, idx...)
			}
			if diff := cmp.Diff(tt.want, sizes); diff != "" {
				t.Errorf("n %d, batch %d, epoch %d: sizes (-want +got):\n%s", tt.n, tt.batch, epoch, diff)
			}
			if want := seq(tt.n); !cmp.Equal(want, all) {
				t.Errorf("n %d, batch %d, epoch %d: indices %v, want 0..%d in order", tt.n, tt.batch, epoch, all, tt.n-1)
			}
		}
	}
}

// seq returns 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestShortLastBatch trains the MLP for one epoch with -batch 1437, whose
// last batch of one image the trainer cannot split into 8 micro-batches
// (the run failed after training with "the batch has 1 rows, fewer than
// its 8 micro-batches"): it joins the first, so that the epoch is one step
// of all 1438 images.
func TestShortLastBatch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"-model", "mlp", "-epochs", "1", "-workers", "2", "-batch", "1437", "-plots", ""}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d, want 0; stderr:\n%s", args, code, &stderr)
	}
	for _, want := range []string{
		"\nAdam, lr 0.003 with cosine decay to 0 over 1 steps; batch 1437 in 8 micro-batches on 2 goroutine worker(s), epochs 1, seed 1\n" +
			"each epoch's last batch, of 1 image(s), joins the one before it: a batch needs a row per micro-batch\n" +
			"epoch   1/1  loss ",
		"\ntest accuracy ",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &stdout)
		}
	}
}
