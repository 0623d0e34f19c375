package autograd_test

// torchRefExtIndex maps the ops of gen_index.py's cases (torchref_index.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtIndex = map[string]torchRefExtOp{}
