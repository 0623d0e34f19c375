package autograd_test

// torchRefExtPointwise maps the ops of gen_pointwise.py's cases (torchref_pointwise.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtPointwise = map[string]torchRefExtOp{}
