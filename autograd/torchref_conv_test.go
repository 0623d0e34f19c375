package autograd_test

// torchRefExtConv maps the ops of gen_conv.py's cases (torchref_conv.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtConv = map[string]torchRefExtOp{}
