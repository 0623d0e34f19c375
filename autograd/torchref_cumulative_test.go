package autograd_test

// torchRefExtCumulative maps the ops of gen_cumulative.py's cases (torchref_cumulative.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtCumulative = map[string]torchRefExtOp{}
