//go:build mpi

package mpi

import (
	"strings"
	"testing"
)

// TestThreadError checks Init's check of the thread level MPI provides:
// below MPI_THREAD_FUNNELED is an error naming both levels.
func TestThreadError(t *testing.T) {
	err := threadError(threadSingle, threadFunneled)
	if err == nil || !strings.Contains(err.Error(), "MPI_THREAD_SINGLE, below the MPI_THREAD_FUNNELED") {
		t.Errorf("MPI_THREAD_SINGLE: %v, want an error naming both levels", err)
	}
	for _, level := range []int{threadFunneled, threadSerialized, threadMultiple} {
		if err := threadError(level, threadFunneled); err != nil {
			t.Errorf("%s: %v", threadName(level), err)
		}
	}
}
