package gemm

// The portable kernels. Their blocking keeps a KC×4 sliver of B (8 KiB for
// float64) in L1 and an MC×KC block of A (256 KiB) in L2.
var (
	kernGo64 = &kernel[float64]{name: "go 2x4", edges: true, mr: 2, nr: 4, mc: 128, kc: 256, nc: 2048, micro: microGo[float64]}
	kernGo32 = &kernel[float32]{name: "go 2x4", edges: true, mr: 2, nr: 4, mc: 256, kc: 256, nc: 2048, micro: microGo[float32]}
)

// kern32 and kern64 are the kernels Gemm uses: the best this machine runs.
// They are chosen once, at initialization, and never change.
var (
	kern32 = kernels32[0]
	kern64 = kernels64[0]
)
