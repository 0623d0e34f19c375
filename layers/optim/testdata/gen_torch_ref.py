#!/usr/bin/python3
"""Generate PyTorch reference values for Adjoint's optimizers (layers/optim).

Run it with Debian's system Python, which has torch (apt-get install
python3-torch); a pyenv or virtualenv python3 without torch will not do:

    /usr/bin/python3 layers/optim/testdata/gen_torch_ref.py          # rewrite torch_ref.json
    /usr/bin/python3 layers/optim/testdata/gen_torch_ref.py --check  # exit 1 if it is stale
    /usr/bin/python3 layers/optim/testdata/gen_torch_ref.py -o -     # print to stdout

It records, in float64 (torch.set_default_dtype(torch.float64)):

  problem     three parameters w [2 3], b [3] and c [2] with fixed initial
              values, and fixed coefficients A, B per parameter. The loss at
              step s (1-based) is  sum over the parameters taking part of
              sum(A * p * p + B * p),  so the gradient 2*A*p + B changes with
              every step. c (the "late" parameter) takes part from step
              late_from on only: before that its .grad is None and
              torch.optim skips it (its state, Adam's step count included,
              starts at its first gradient).
  optimizers  for each case, the torch.optim class and keyword arguments,
              optionally parameter groups (torch's list of dicts, with the
              parameters by name; a key a group lacks takes the keyword
              argument's value), an optional StepLR stepped after every
              optimizer step, and the parameter values after each of
              `steps` steps (more for the cases in LONG) of
              loss.backward(); opt.step(); opt.zero_grad(set_to_none=False).
              The script asserts that the cases that should differ (Nesterov
              against heavy-ball, AMSGrad against Adam, centered against
              plain RMSProp, ...) do differ, so each case tests something;
              a case with groups differs from itself with any one group's
              lr or weight_decay left to the keyword arguments.
  schedules   the learning rate after 0, 1, ..., n-1 scheduler steps of
              StepLR, ExponentialLR, and a linear warm-up followed by cosine
              annealing built as torch builds it: SequentialLR(LinearLR,
              CosineAnnealingLR, milestones=[warmup]) (each also checked
              here against the closed form Adjoint implements),
              OneCycleLR (cycle_momentum=False) over its total steps,
              CosineAnnealingLR alone over T_max steps (Adjoint's
              WarmupCosineLR without warm-up), and, over 120 steps or more,
              MultiStepLR, LinearLR, ConstantLR, PolynomialLR,
              CosineAnnealingWarmRestarts and SequentialLR chains of them
              (each checked here against the closed form Adjoint
              implements, to the tolerance the Go test uses).
  plateau     the learning rate after each ReduceLROnPlateau.step(metric)
              over one sequence of metrics (as strings, so that nan and inf
              fit in JSON), for several keyword arguments.
  clip_norm   gradients, torch.nn.utils.clip_grad_norm_'s returned total norm
              and the clipped gradients, for several max_norm and norm_type
              values (norm_type is a string so that "inf" fits in JSON).
  clip_value  the same for torch.nn.utils.clip_grad_value_.

layers/optim/torchref_test.go replays every case with Adjoint and needs no
Python. Every number is written with Python's float repr, which round-trips
float64 exactly; all inputs are literals in this file, torch runs on one
thread and keys are sorted, so the output is byte-for-byte deterministic.
"""

import argparse
import json
import math
import os
import sys
import warnings

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
warnings.filterwarnings("ignore")  # SequentialLR's "step() before optimizer.step()" chatter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "torch_ref.json")

STEPS = 6
LATE = "c"
LATE_FROM = 3  # c gets its first gradient at step 3

# name -> (shape, initial value, A, B); values are literals so that nothing
# depends on torch's random number generator.
PARAMS = {
    "w": ([2, 3],
          [0.5, -1.25, 2.0, -0.75, 1.5, 0.125],
          [1.0, 0.5, 2.0, 1.5, 0.25, 3.0],
          [-0.5, 1.0, 0.25, -2.0, 0.75, -0.125]),
    "b": ([3],
          [0.3, -0.6, 0.9],
          [0.7, 1.3, 0.4],
          [0.2, -0.4, 1.1]),
    "c": ([2],
          [-1.5, 0.8],
          [0.6, 1.8],
          [0.9, -0.3]),
}
ORDER = ["w", "b", "c"]  # the order the optimizer receives them

# (name, class, kwargs, StepLR kwargs or None)
OPTIMIZERS = [
    ("sgd_plain", "SGD", {"lr": 0.1}, None),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None),
    ("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, None),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.05}, None),
    ("sgd_nesterov_weight_decay", "SGD",
     {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}, None),
    ("adam_default", "Adam", {}, None),
    ("adam", "Adam", {"lr": 0.1, "betas": [0.8, 0.9], "eps": 1e-3}, None),
    ("adam_weight_decay", "Adam", {"lr": 0.1, "weight_decay": 0.2}, None),
    ("adam_amsgrad", "Adam", {"lr": 0.1, "betas": [0.9, 0.5], "amsgrad": True}, None),
    ("adam_steplr", "Adam", {"lr": 0.1}, {"step_size": 2, "gamma": 0.5}),
    ("adamw_default", "AdamW", {}, None),
    ("adamw", "AdamW", {"lr": 0.1, "weight_decay": 0.3, "eps": 1e-3}, None),
    ("adamw_amsgrad", "AdamW",
     {"lr": 0.1, "betas": [0.9, 0.5], "weight_decay": 0.1, "amsgrad": True}, None),
    ("rmsprop_default", "RMSprop", {}, None),
    ("rmsprop", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-3}, None),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True}, None),
    ("rmsprop_momentum", "RMSprop",
     {"lr": 0.01, "alpha": 0.9, "momentum": 0.8, "weight_decay": 0.05}, None),
    ("rmsprop_centered_momentum", "RMSprop",
     {"lr": 0.01, "alpha": 0.95, "momentum": 0.5, "centered": True,
      "weight_decay": 0.1, "eps": 1e-4}, None),
    ("adagrad_default", "Adagrad", {}, None),
    ("adagrad", "Adagrad", {"lr": 0.1, "lr_decay": 0.3, "eps": 1e-3}, None),
    ("adagrad_init_weight_decay", "Adagrad",
     {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}, {"step_size": 2, "gamma": 0.5}),
    ("nadam_default", "NAdam", {}, None),
    ("nadam", "NAdam", {"lr": 0.1, "betas": [0.8, 0.9], "eps": 1e-3, "momentum_decay": 0.1}, None),
    ("nadam_weight_decay", "NAdam", {"lr": 0.05, "weight_decay": 0.2}, {"step_size": 2, "gamma": 0.5}),
    # RAdam rectifies from a parameter's step 6 on (rho_t > 5): at step 6
    # w and b are rectified and the late c is not; radam_long goes on.
    ("radam_default", "RAdam", {}, None),
    ("radam", "RAdam", {"lr": 0.1, "betas": [0.8, 0.95], "eps": 1e-3}, None),
    ("radam_weight_decay", "RAdam", {"lr": 0.05, "weight_decay": 0.2}, {"step_size": 2, "gamma": 0.5}),
    ("radam_long", "RAdam", {"lr": 0.05, "betas": [0.9, 0.99], "weight_decay": 0.1}, None),
    ("adamax_default", "Adamax", {}, None),
    ("adamax", "Adamax", {"lr": 0.1, "betas": [0.8, 0.9], "eps": 1e-3}, None),
    ("adamax_weight_decay", "Adamax", {"lr": 0.05, "weight_decay": 0.2}, {"step_size": 2, "gamma": 0.5}),
    # A large eps, inside the maximum, and a fast-decaying norm: the
    # maximum takes |g| + eps on some steps and beta2 * u on others.
    ("adamax_eps", "Adamax", {"lr": 0.1, "betas": [0.9, 0.99], "eps": 0.5}, None),
    ("adadelta_default", "Adadelta", {}, None),
    ("adadelta", "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-3}, None),
    ("adadelta_weight_decay", "Adadelta", {"weight_decay": 0.2, "eps": 1e-2}, {"step_size": 2, "gamma": 0.5}),
    # maximize=True, with weight decay (the sign is flipped before it is
    # added), in every optimizer that has it in torch 1.13. Not 0.2 for
    # Adam and Adamax: w[1]'s -g + 0.2*w is then 0 in Go and -6e-18 in
    # torch (a fused multiply-add), which they normalise into a step.
    ("sgd_maximize", "SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "maximize": True}, None),
    ("adam_maximize", "Adam", {"lr": 0.1, "weight_decay": 0.15, "maximize": True}, None),
    ("adamw_maximize", "AdamW", {"lr": 0.1, "weight_decay": 0.3, "maximize": True}, None),
    ("rmsprop_maximize", "RMSprop",
     {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "maximize": True}, None),
    ("adagrad_maximize", "Adagrad", {"lr": 0.1, "lr_decay": 0.3, "weight_decay": 0.1, "maximize": True}, None),
    ("adamax_maximize", "Adamax", {"lr": 0.1, "weight_decay": 0.15, "maximize": True}, None),
    ("adadelta_maximize", "Adadelta", {"weight_decay": 0.2, "eps": 1e-2, "maximize": True}, None),
]

# Cases run for more than STEPS steps: name -> steps.
LONG = {"radam_long": 12}

# (name, class, kwargs, param groups, StepLR kwargs or None): torch's
# param_groups with the parameters by name, the no-weight-decay recipe
# (decay on the matrix w, none on the vectors b and c) and a group with a
# rate of its own, under a StepLR schedule.
GROUP_OPTIMIZERS = [
    ("adamw_groups", "AdamW", {"lr": 0.1, "weight_decay": 0.3, "eps": 1e-3},
     [{"params": ["w"]}, {"params": ["b", "c"], "weight_decay": 0.0, "lr": 0.02}],
     {"step_size": 2, "gamma": 0.1}),
    ("sgd_momentum_groups", "SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1},
     [{"params": ["w", "c"], "lr": 0.1}, {"params": ["b"], "weight_decay": 0.0, "lr": 0.01}],
     {"step_size": 2, "gamma": 0.1}),
    ("adam_groups", "Adam", {"lr": 0.1, "weight_decay": 0.2, "amsgrad": True},
     [{"params": ["b"], "weight_decay": 0.0}, {"params": ["w"], "lr": 0.03},
      {"params": ["c"], "lr": 0.2, "weight_decay": 0.5}],
     {"step_size": 2, "gamma": 0.5}),
    ("rmsprop_groups", "RMSprop",
     {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
     [{"params": ["w", "b"]}, {"params": ["c"], "weight_decay": 0.0, "lr": 0.05}],
     {"step_size": 3, "gamma": 0.5}),
    ("adagrad_groups", "Adagrad", {"lr": 0.1, "lr_decay": 0.3, "weight_decay": 0.1},
     [{"params": ["w"], "weight_decay": 0.0}, {"params": ["b", "c"], "lr": 0.3}],
     {"step_size": 2, "gamma": 0.5}),
    ("nadam_groups", "NAdam", {"lr": 0.1, "weight_decay": 0.1, "momentum_decay": 0.05},
     [{"params": ["w"]}, {"params": ["b", "c"], "weight_decay": 0.0, "lr": 0.03}],
     {"step_size": 2, "gamma": 0.5}),
    ("adamax_groups", "Adamax", {"lr": 0.1, "weight_decay": 0.1},
     [{"params": ["w"]}, {"params": ["b", "c"], "weight_decay": 0.0, "lr": 0.03}],
     {"step_size": 2, "gamma": 0.5}),
    ("adadelta_groups", "Adadelta", {"lr": 2.0, "weight_decay": 0.1, "eps": 1e-2},
     [{"params": ["w"]}, {"params": ["b", "c"], "weight_decay": 0.0, "lr": 0.5}],
     {"step_size": 2, "gamma": 0.5}),
    ("radam_groups", "RAdam", {"lr": 0.1, "weight_decay": 0.1, "betas": [0.9, 0.98]},
     [{"params": ["w"]}, {"params": ["b", "c"], "weight_decay": 0.0, "lr": 0.03}],
     {"step_size": 2, "gamma": 0.5}),
]

# Pairs of cases whose trajectories must differ: otherwise the feature the
# second one adds would go untested.
MUST_DIFFER = [
    ("sgd_plain", "sgd_weight_decay"),
    ("sgd_momentum", "sgd_dampening"),
    ("sgd_momentum", "sgd_nesterov"),
    ("adam_default", "adamw_default"),
    ("adam", "adam_default"),
    ("rmsprop_default", "rmsprop"),
    ("adagrad_default", "adagrad"),
    ("adagrad", "adagrad_init_weight_decay"),
    ("nadam_default", "nadam"),
    ("nadam", "nadam_weight_decay"),
    ("radam_default", "adam_default"),
    ("radam_default", "radam"),
    ("radam", "radam_weight_decay"),
    ("adamax_default", "adamax"),
    ("adamax", "adamax_weight_decay"),
    ("adamax", "adamax_eps"),
    ("adadelta_default", "adadelta"),
    ("adadelta", "adadelta_weight_decay"),
]


def make_params():
    return {n: torch.tensor(PARAMS[n][1]).reshape(PARAMS[n][0]).requires_grad_()
            for n in ORDER}


def loss_at(step, params):
    loss = torch.zeros(())
    for n in ORDER:
        if n == LATE and step < LATE_FROM:
            continue
        shape, _, a, b = PARAMS[n]
        p = params[n]
        loss = loss + (torch.tensor(a).reshape(shape) * p * p
                       + torch.tensor(b).reshape(shape) * p).sum()
    return loss


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def run_optimizer(cls, kwargs, steplr, amsgrad_off=False, groups=None, steps=STEPS):
    params = make_params()
    kw = dict(kwargs)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    if amsgrad_off:
        kw["amsgrad"] = False
    if groups is None:
        opt = getattr(torch.optim, cls)([params[n] for n in ORDER], **kw)
    else:
        opt = getattr(torch.optim, cls)(
            [dict(g, params=[params[n] for n in g["params"]]) for g in groups], **kw)
    sched = torch.optim.lr_scheduler.StepLR(opt, **steplr) if steplr else None
    out = []
    for step in range(1, steps + 1):
        loss_at(step, params).backward()
        if step < LATE_FROM:
            assert params[LATE].grad is None
        opt.step()
        opt.zero_grad(set_to_none=False)
        if sched is not None:
            sched.step()
        out.append({n: flat(params[n]) for n in ORDER})
    return out


def optimizers():
    cases = []
    for name, cls, kwargs, steplr in OPTIMIZERS:
        case = {"name": name, "class": cls, "kwargs": kwargs,
                "steps": run_optimizer(cls, kwargs, steplr, steps=LONG.get(name, STEPS))}
        if steplr:
            case["steplr"] = steplr
        if kwargs.get("amsgrad"):
            plain = run_optimizer(cls, kwargs, steplr, amsgrad_off=True)
            assert plain != case["steps"], name + ": AMSGrad changes nothing"
        if cls == "RMSprop" and kwargs.get("centered"):
            plain = run_optimizer(cls, dict(kwargs, centered=False), steplr)
            assert plain != case["steps"], name + ": centered changes nothing"
        cases.append(case)
    by_name = {c["name"]: c["steps"] for c in cases}
    for a, b in MUST_DIFFER:
        assert by_name[a] != by_name[b], a + " and " + b + " agree"
    for name, cls, kwargs, groups, steplr in GROUP_OPTIMIZERS:
        assert sorted(n for g in groups for n in g["params"]) == sorted(ORDER), name
        steps = run_optimizer(cls, kwargs, steplr, groups=groups)
        for i, g in enumerate(groups):
            for key in ("lr", "weight_decay"):
                if key in g:
                    other = [dict(h) for h in groups]
                    del other[i][key]
                    assert run_optimizer(cls, kwargs, steplr, groups=other) != steps, \
                        "%s: group %d's %s changes nothing" % (name, i, key)
        cases.append({"name": name, "class": cls, "kwargs": kwargs, "groups": groups,
                      "steps": steps, "steplr": steplr})
    return cases


def lrs(opt, sched, n):
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def dummy_optimizer(lr):
    p = torch.zeros(1, requires_grad=True)
    return torch.optim.SGD([p], lr=lr)


def warmup_cosine(base, start_factor, warmup, decay, eta_min, step):
    """The closed form Adjoint implements (layers/optim/schedule.go)."""
    if step < warmup:
        return base * (start_factor + (1 - start_factor) * step / warmup)
    t = min(step - warmup, decay)
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / decay)) / 2


def close(a, b):
    return all(abs(x - y) <= 1e-12 * abs(y) for x, y in zip(a, b))


def schedules():
    out = []

    base, step_size, gamma, n = 0.1, 3, 0.5, 12
    opt = dummy_optimizer(base)
    got = lrs(opt, torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma), n)
    assert close(got, [base * gamma ** (s // step_size) for s in range(n)])
    out.append({"name": "step", "base": base, "step_size": step_size, "gamma": gamma, "lrs": got})

    base, gamma, n = 0.1, 0.8, 12
    opt = dummy_optimizer(base)
    got = lrs(opt, torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma), n)
    assert close(got, [base * gamma ** s for s in range(n)])
    out.append({"name": "exponential", "base": base, "gamma": gamma, "lrs": got})

    # torch's LinearLR divides by start_factor in its recursive form, so it
    # cannot start at 0; Adjoint's closed form can (tested in Go).
    for base, start_factor, warmup, decay, eta_min in [
            (0.1, 0.1, 4, 8, 0.001),
            (0.5, 0.25, 3, 5, 0.0),
            (0.02, 1.0, 2, 6, 0.005)]:
        n = warmup + decay + 1
        opt = dummy_optimizer(base)
        warm = torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup)
        cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=decay, eta_min=eta_min)
        seq = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[warmup])
        got = lrs(opt, seq, n)
        want = [warmup_cosine(base, start_factor, warmup, decay, eta_min, s) for s in range(n)]
        assert close(got, want), (got, want)
        out.append({"name": "warmup_cosine", "base": base, "start_factor": start_factor,
                    "warmup": warmup, "decay": decay, "eta_min": eta_min, "lrs": got})

    # Momentum is not cycled: Adjoint's OneCycleLR schedules the rate only.
    for max_lr, total, pct, div, final_div, strategy, three in [
            (0.1, 10, 0.3, 25.0, 1e4, "cos", False),
            (0.1, 10, 0.3, 25.0, 1e4, "linear", False),
            (1.0, 13, 0.25, 10.0, 100.0, "cos", True),
            (0.5, 7, 0.4, 5.0, 50.0, "linear", True),
            (0.02, 4, 0.9, 2.0, 3.0, "cos", False)]:
        opt = dummy_optimizer(max_lr)
        got = lrs(opt, torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=max_lr, total_steps=total, pct_start=pct, div_factor=div,
            final_div_factor=final_div, anneal_strategy=strategy, three_phase=three,
            cycle_momentum=False), total)
        out.append({"name": "one_cycle", "base": max_lr, "total": total, "pct_start": pct,
                    "div_factor": div, "final_div_factor": final_div,
                    "linear": strategy == "linear", "three_phase": three, "lrs": got})
    out += more_schedules()
    return out


def closed_form(spec, t):
    """The rate at step t of a schedule spec, as Adjoint computes it
    (layers/optim/schedule_more.go and schedule_sequential.go)."""
    name, base = spec["name"], spec["base"]
    if name == "step":
        return base * spec["gamma"] ** (t // spec["step_size"])
    if name == "exponential":
        return base * spec["gamma"] ** t
    if name == "cosine":
        eta_min, t_max = spec["eta_min"], spec["decay"]
        return eta_min + (base - eta_min) * (1 + math.cos(math.pi * min(t, t_max) / t_max)) / 2
    if name == "multistep":
        return base * spec["gamma"] ** sum(1 for m in spec["milestones"] if m <= t)
    if name == "linear":
        s, e, n = spec["start_factor"], spec["end_factor"], spec["total_iters"]
        return base * (s + (e - s) * min(t, n) / n)
    if name == "constant":
        return base * spec["factor"] if t < spec["total_iters"] else base
    if name == "polynomial":
        n = spec["total_iters"]
        return base * (1 - min(t, n) / n) ** spec["power"]
    if name == "warm_restarts":
        t_i, t_cur = spec["t_0"], t
        while t_cur >= t_i:
            t_cur -= t_i
            t_i *= spec["t_mult"]
        eta_min = spec["eta_min"]
        return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
    if name == "sequential":
        i = sum(1 for m in spec["milestones"] if m <= t)
        start = spec["milestones"][i - 1] if i > 0 else 0
        return closed_form(spec["schedules"][i], t - start)
    raise ValueError(name)


def torch_scheduler(opt, spec):
    """The torch scheduler of a schedule spec, on opt."""
    S = torch.optim.lr_scheduler
    name = spec["name"]
    if name == "step":
        return S.StepLR(opt, step_size=spec["step_size"], gamma=spec["gamma"])
    if name == "exponential":
        return S.ExponentialLR(opt, gamma=spec["gamma"])
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=spec["decay"], eta_min=spec["eta_min"])
    if name == "multistep":
        return S.MultiStepLR(opt, milestones=spec["milestones"], gamma=spec["gamma"])
    if name == "linear":
        return S.LinearLR(opt, start_factor=spec["start_factor"], end_factor=spec["end_factor"],
                          total_iters=spec["total_iters"])
    if name == "constant":
        return S.ConstantLR(opt, factor=spec["factor"], total_iters=spec["total_iters"])
    if name == "polynomial":
        return S.PolynomialLR(opt, total_iters=spec["total_iters"], power=spec["power"])
    if name == "warm_restarts":
        return S.CosineAnnealingWarmRestarts(opt, T_0=spec["t_0"], T_mult=spec["t_mult"],
                                             eta_min=spec["eta_min"])
    if name == "sequential":
        subs = [torch_scheduler(opt, sub) for sub in spec["schedules"]]
        return S.SequentialLR(opt, subs, milestones=spec["milestones"])
    raise ValueError(name)


def close_to_go(got, want):
    """Go's cmpopts.EquateApprox(1e-12, 1e-14), torchref_test.go's torchRefTol64."""
    return len(got) == len(want) and all(
        abs(x - y) <= max(1e-14, 1e-12 * min(abs(x), abs(y))) for x, y in zip(got, want))


def more_schedules():
    """The schedules added after the first ones: torch's rates over n steps
    (T_max+1 for CosineAnnealingLR alone, after which torch's cosine climbs
    back and Adjoint's holds eta_min), each checked against closed_form."""
    n = 120
    cases = [
        (101, {"name": "cosine", "base": 0.1, "decay": 100, "eta_min": 0.0}),
        (8, {"name": "cosine", "base": 0.5, "decay": 7, "eta_min": 0.05}),
        (n, {"name": "multistep", "base": 0.1, "milestones": [30, 80], "gamma": 0.1}),
        (n, {"name": "multistep", "base": 0.5, "milestones": [0, 7, 7, 50, 119], "gamma": 0.5}),
        (n, {"name": "multistep", "base": 0.3, "milestones": [90, 10, 40], "gamma": 0.9}),
        (n, {"name": "multistep", "base": 0.2, "milestones": [], "gamma": 0.1}),
        (n, {"name": "linear", "base": 0.1, "start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 5}),
        (n, {"name": "linear", "base": 0.5, "start_factor": 1.0, "end_factor": 0.01, "total_iters": 100}),
        (n, {"name": "linear", "base": 0.05, "start_factor": 0.25, "end_factor": 0.75, "total_iters": 1}),
        (n, {"name": "linear", "base": 0.3, "start_factor": 0.5, "end_factor": 0.5, "total_iters": 9}),
        (n, {"name": "constant", "base": 0.1, "factor": 1 / 3, "total_iters": 5}),
        (n, {"name": "constant", "base": 0.05, "factor": 0.5, "total_iters": 4}),
        (n, {"name": "constant", "base": 0.7, "factor": 0.1, "total_iters": 110}),
        (n, {"name": "polynomial", "base": 0.1, "total_iters": 100, "power": 1.0}),
        (n, {"name": "polynomial", "base": 0.01, "total_iters": 110, "power": 2.0}),
        (n, {"name": "polynomial", "base": 0.5, "total_iters": 30, "power": 0.9}),
        (n, {"name": "polynomial", "base": 0.5, "total_iters": 30, "power": 0.0}),
        (n, {"name": "warm_restarts", "base": 0.1, "t_0": 10, "t_mult": 1, "eta_min": 0.0}),
        (n, {"name": "warm_restarts", "base": 0.1, "t_0": 5, "t_mult": 2, "eta_min": 0.001}),
        (n, {"name": "warm_restarts", "base": 1.0, "t_0": 1, "t_mult": 3, "eta_min": 0.25}),
        (n, {"name": "warm_restarts", "base": 0.02, "t_0": 7, "t_mult": 1, "eta_min": 0.02}),
        # torch's own example: ConstantLR(factor=0.1, total_iters=2), then
        # ExponentialLR(gamma=0.9) from epoch 2.
        (n, {"name": "sequential", "base": 1.0, "milestones": [2], "schedules": [
            {"name": "constant", "factor": 0.1, "total_iters": 2},
            {"name": "exponential", "gamma": 0.9}]}),
        # A warm-up, then SGDR.
        (n, {"name": "sequential", "base": 0.1, "milestones": [5], "schedules": [
            {"name": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
            {"name": "warm_restarts", "t_0": 10, "t_mult": 2, "eta_min": 1e-4}]}),
        # Four segments, each sub-schedule restarting at its milestone, one
        # of them (constant) cut before its own total_iters.
        (n, {"name": "sequential", "base": 0.2, "milestones": [3, 50, 90], "schedules": [
            {"name": "constant", "factor": 0.5, "total_iters": 10},
            {"name": "multistep", "milestones": [10, 30], "gamma": 0.5},
            {"name": "polynomial", "total_iters": 40, "power": 2.0},
            {"name": "exponential", "gamma": 0.97}]}),
        # Cosine to eta_min and on: the segment ends before torch's climbs.
        (n, {"name": "sequential", "base": 0.05, "milestones": [10, 60], "schedules": [
            {"name": "linear", "start_factor": 0.5, "end_factor": 1.0, "total_iters": 10},
            {"name": "cosine", "decay": 50, "eta_min": 0.001},
            {"name": "step", "step_size": 15, "gamma": 0.5}]}),
    ]
    out = []
    for steps, spec in cases:
        for sub in spec.get("schedules", []):
            sub["base"] = spec["base"]  # torch's sub-schedulers share the optimizer's initial lr
        opt = dummy_optimizer(spec["base"])
        got = lrs(opt, torch_scheduler(opt, spec), steps)
        want = [closed_form(spec, t) for t in range(steps)]
        assert close_to_go(got, want), (spec, [(t, a, b) for t, (a, b) in enumerate(zip(got, want)) if a != b][:5])
        out.append(dict(spec, lrs=got))
    return out


# A metric that improves, stalls, wobbles within the threshold and comes
# back, with a NaN and an infinity in it, then stalls long enough for
# torch's default patience of 10.
PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.9, 0.9, 0.89999, 0.8, 0.85, 0.85, 0.85, float("nan"),
                   0.85, 0.5, 0.6, 0.6, 0.6, 0.6, float("inf"), 0.6, 0.6, 0.1, 0.2] + [0.15] * 11


def plateau():
    """The learning rate after each ReduceLROnPlateau.step(metric)."""
    out = []
    for kw in [
            {},
            {"patience": 1},
            {"patience": 0, "factor": 0.5, "cooldown": 2},
            {"patience": 1, "factor": 0.5, "threshold": 0.05, "threshold_mode": "abs"},
            {"patience": 2, "factor": 0.3, "min_lr": 0.02},
            {"patience": 0, "factor": 0.5, "eps": 0.02},
            {"patience": 1, "mode": "max"},
            {"patience": 0, "mode": "max", "threshold": 0.1, "threshold_mode": "abs", "cooldown": 1}]:
        opt = dummy_optimizer(0.1)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        got = []
        for m in PLATEAU_METRICS:
            opt.step()
            sched.step(m)
            got.append(opt.param_groups[0]["lr"])
        out.append({"kwargs": kw, "lr": 0.1, "lrs": got})
    return out


# Gradients for the clipping cases: w and b have one, c has none (skipped).
CLIP_GRADS = {
    "w": [0.5, -1.25, 2.0, -0.75, 1.5, 0.125],
    "b": [0.3, -0.6, 0.9],
}


def clip_params():
    params = make_params()
    for n, g in CLIP_GRADS.items():
        params[n].grad = torch.tensor(g).reshape(PARAMS[n][0])
    return [params[n] for n in ORDER]


def clip_norm():
    out = []
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.5, math.inf),
                                (2.0, 3.0), (0.0, 2.0)]:
        ps = clip_params()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        out.append({"max_norm": max_norm, "norm_type": str(norm_type),
                    "grads": CLIP_GRADS, "total_norm": float(total),
                    "clipped": {n: flat(p.grad) for n, p in zip(ORDER, ps) if p.grad is not None}})
    return out


def clip_value():
    out = []
    for clip in [0.7, 10.0, 0.0]:
        ps = clip_params()
        torch.nn.utils.clip_grad_value_(ps, clip)
        out.append({"clip": clip, "grads": CLIP_GRADS,
                    "clipped": {n: flat(p.grad) for n, p in zip(ORDER, ps) if p.grad is not None}})
    return out


def generate():
    ref = {
        "generator": "layers/optim/testdata/gen_torch_ref.py",
        "torch_version": torch.__version__,
        "problem": {
            "steps": STEPS,
            "late": LATE,
            "late_from": LATE_FROM,
            "order": ORDER,
            "params": {n: {"shape": s, "init": i, "a": a, "b": b}
                       for n, (s, i, a, b) in PARAMS.items()},
        },
        "optimizers": optimizers(),
        "schedules": schedules(),
        "plateau_metrics": [repr(m) for m in PLATEAU_METRICS],
        "plateau": plateau(),
        "clip_norm": clip_norm(),
        "clip_value": clip_value(),
    }
    return json.dumps(ref, indent=1, sort_keys=True) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=DEFAULT_OUT, help="output file, - for stdout")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the output file differs from what would be generated")
    args = ap.parse_args()
    text = generate()
    if args.check:
        with open(args.out) as f:
            if f.read() != text:
                print(args.out + " is stale: rerun " + sys.argv[0], file=sys.stderr)
                sys.exit(1)
        return
    if args.out == "-":
        sys.stdout.write(text)
        return
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
