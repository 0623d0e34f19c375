package autograd_test

// torchRefExtLinalg maps the ops of gen_linalg.py's cases (torchref_linalg.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtLinalg = map[string]torchRefExtOp{}
