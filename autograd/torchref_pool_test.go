package autograd_test

// torchRefExtPool maps the ops of gen_pool.py's cases (torchref_pool.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtPool = map[string]torchRefExtOp{}
