//go:build !mpi

package main

import (
	"errors"
	"io"

	"github.com/adjoint-go/adjoint/layers/parallel"
)

// startMPI reports that -mpi needs a build with the mpi tag (and Open
// MPI): go run -tags mpi ./examples/digits -mpi, under mpirun.
func startMPI(io.Writer) (parallel.Transport, io.Writer, func() error, error) {
	return nil, nil, nil, errors.New("-mpi needs a build with -tags mpi (and Open MPI: apt-get install openmpi-bin libopenmpi-dev), launched by mpirun")
}
