package safetensors_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

func Example() {
	weight := tensor.MustNew([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	bias := tensor.MustNew([]float64{0.5, -0.5}, 2)

	var buf bytes.Buffer // or an *os.File; WriteFile writes a file atomically
	err := safetensors.Write(&buf, []safetensors.Named{
		safetensors.Of("weight", weight), // F32
		safetensors.Of("bias", bias),     // F64
	}, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(buf.Len(), "bytes")

	f, err := safetensors.Read(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Names(), f.Metadata()) // F64 first: the reference layout
	info, _ := f.Info("weight")
	fmt.Println(info.DType, info.Shape)
	w, _ := f.Float32("weight")
	fmt.Println(w)
	_, err = f.Float32("bias")
	fmt.Println(err)
	// Output:
	// 200 bytes
	// [bias weight] map[format:pt]
	// F32 [2 3]
	// Tensor[2 3][[1 2 3] [4 5 6]]
	// safetensors: tensor "bias" is F64, not F32
}

// A damaged or hostile file is an error that says what is wrong, never a
// panic.
func ExampleRead_damaged() {
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`
	raw := append([]byte{byte(len(header)), 0, 0, 0, 0, 0, 0, 0}, header...)
	raw = append(raw, make([]byte, 12)...)
	_, err := safetensors.Read(bytes.NewReader(raw))
	fmt.Println(err)

	var fe *safetensors.FormatError
	fmt.Println(errors.Is(err, safetensors.ErrFormat), errors.As(err, &fe) && fe.Tensor == "b")

	huge := []byte{0, 0, 0, 0, 0, 0, 0, 1} // a header length of 2^56 bytes
	_, err = safetensors.Read(bytes.NewReader(huge))
	fmt.Println(err)
	// Output:
	// safetensors: tensor "b": bytes [4, 12) overlap those of tensor "a" [0, 8)
	// true true
	// safetensors: header length 72057594037927936 exceeds the limit of 100000000 bytes
}
