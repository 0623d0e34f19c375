package autograd_test

// torchRefExtBinary maps the ops of gen_binary.py's cases (torchref_binary.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtBinary = map[string]torchRefExtOp{}
