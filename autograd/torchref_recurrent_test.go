package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// torchRefRecurrentParams are the parameters of gen_recurrent.py's cases:
// step marks an LSTMCellOutput case that is one whole LSTM step from
// (gates, c), LSTMCellState then LSTMCellOutput, with outputs h' and c'.
type torchRefRecurrentParams struct {
	Step bool `json:"step"`
}

// torchRefExtRecurrent maps the ops of gen_recurrent.py's cases
// (torchref_recurrent.json) to their Adjoint computation (see
// torchRefExtOp).
var torchRefExtRecurrent = map[string]torchRefExtOp{
	"LSTMCellState": oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V {
		return autograd.LSTMCellState(x[0], x[1])
	}),
	"LSTMCellOutput": func(t *testing.T, x []*V, raw json.RawMessage) []*V {
		if decodeTorchRefParams[torchRefRecurrentParams](t, raw).Step {
			c := autograd.LSTMCellState(x[0], x[1])
			return []*V{autograd.LSTMCellOutput(x[0], c), c}
		}
		return []*V{autograd.LSTMCellOutput(x[0], x[1])}
	},
	"GRUCellState": oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V {
		return autograd.GRUCellState(x[0], x[1], x[2])
	}),
}
