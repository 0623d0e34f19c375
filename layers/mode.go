package layers

// Trainable is implemented by layers whose Forward depends on whether the
// network is training or evaluating: Dropout, BatchNorm1d and BatchNorm2d,
// and the layers with a dropout inside (MultiheadAttention, RNN, LSTM and
// GRU). Each keeps its mode in an atomic flag, so switching it while other
// goroutines evaluate is race-free. A new layer is training, as in PyTorch.
type Trainable interface {
	// SetTraining puts the layer in training mode (on) or evaluation mode.
	SetTraining(on bool)
	// Training reports whether the layer is in training mode.
	Training() bool
}

// SetTraining puts every layer of m in training mode (on) or evaluation mode
// (off): m itself if it is Trainable, and, walking through Containers, every
// Trainable layer below it. Call SetTraining(net, false) before evaluating a
// model with Dropout or BatchNorm1d, and SetTraining(net, true) before
// training it again; PyTorch's model.eval() and model.train().
//
// The mode belongs to the layers of this model only: there is no global
// switch, and another model, in this goroutine or another, is unaffected.
// Switching it while another goroutine runs Forward is race-free but not
// atomic for that call: each layer reads its own flag when it is reached,
// so a Forward that overlaps the switch may run its first layers in one
// mode and the rest in the other (Dropout on, BatchNorm updating its
// running statistics). Switch between calls, or give the evaluating
// goroutines a model of their own.
func SetTraining[T Float](m Module[T], on bool) {
	if t, ok := m.(Trainable); ok {
		t.SetTraining(on)
	}
	if c, ok := m.(Container[T]); ok {
		for _, child := range c.Children() {
			SetTraining(child.Module, on)
		}
	}
}
