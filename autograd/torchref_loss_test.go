package autograd_test

// torchRefExtLoss maps the ops of gen_loss.py's cases (torchref_loss.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtLoss = map[string]torchRefExtOp{}
