//go:build amd64 && !purego

package vmath

import "golang.org/x/sys/cpu"

// The instruction sets the assembly needs. x/sys/cpu includes the operating
// system's support for the ymm and zmm state.
var (
	useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)
