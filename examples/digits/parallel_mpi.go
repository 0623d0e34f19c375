//go:build mpi

package main

import (
	"io"

	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/mpi"
)

// startMPI initializes MPI for -mpi and returns the transport, the output
// to print on (stdout for rank 0, nothing for the others, so that the job
// prints one report), and the function that finalizes MPI.
func startMPI(stdout io.Writer) (parallel.Transport, io.Writer, func() error, error) {
	comm, err := mpi.Init()
	if err != nil {
		return nil, nil, nil, err
	}
	if comm.Rank() != 0 {
		stdout = io.Discard
	}
	return comm, stdout, comm.Finalize, nil
}
