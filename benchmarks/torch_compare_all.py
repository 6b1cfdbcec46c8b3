"""A plain PyTorch script doing the job of ``dlbench compare all``: the yardstick of issue 11.

16 ``torch.optim`` optimizers (every member of dlbench's ``all`` group that torch has: dlbench's
``dynamic`` bold driver and ``lion`` are not in ``torch.optim``) at dlbench's default learning
rates, batch sizes and hyperparameters, on the same data (the article's 100x10 random problem) and
the same Glorot-initialised 10-8-1 ReLU network in float64, BCE loss, 1000 epochs, the full-batch
loss after every epoch, one CSV at the end. Written the way a user would write it: eager autograd,
``torch.nn.functional``, default torch threads.

    python benchmarks/torch_compare_all.py OUT.csv

Prints the wall time of the script's own work (imports included) on stderr. ``dlbench bench
--startup`` runs it in the same session as ``dlbench compare all`` and reports the ratio.
"""

from __future__ import annotations

import csv
import sys
import time

T0 = time.perf_counter()

import torch  # noqa: E402

from dlbench.data import make_dataset  # noqa: E402  (the same data and initial weights as dlbench)
from dlbench.model import init_params  # noqa: E402
from dlbench.optimizers import get_optimizer  # noqa: E402

EPOCHS = 1000
NAMES = ("gd", "sgd", "minibatch", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad",
         "adamw", "adamax", "nadam", "radam", "rprop", "lbfgs")


def make_optimizer(name, params, lr):
    o = torch.optim
    if name in ("gd", "sgd", "minibatch"):
        return o.SGD(params, lr=lr)
    if name == "momentum":
        return o.SGD(params, lr=lr, momentum=0.9)
    if name == "nesterov":
        return o.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    if name == "amsgrad":
        return o.Adam(params, lr=lr, amsgrad=True)
    if name == "adamw":
        return o.AdamW(params, lr=lr, weight_decay=0.01)
    if name == "lbfgs":
        return o.LBFGS(params, lr=lr, history_size=100, max_iter=20)
    cls = {"adagrad": o.Adagrad, "rmsprop": o.RMSprop, "adadelta": o.Adadelta, "adam": o.Adam,
           "adamax": o.Adamax, "nadam": o.NAdam, "radam": o.RAdam, "rprop": o.Rprop}[name]
    return cls(params, lr=lr)


def main(out: str) -> None:
    data = make_dataset("random", 100, 10, 0)
    X = torch.tensor(data.X, dtype=torch.float64)
    y = torch.tensor(data.y, dtype=torch.float64)
    N = X.shape[0]
    F = torch.nn.functional
    rows = []
    for name in NAMES:
        spec = get_optimizer(name)
        lr = spec.default_lr
        batch = spec.batch_size or N
        p = init_params(10, 8, "glorot", 0)
        params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (p.W1, p.b1, p.W2, p.b2)]

        def loss_of(xb, yb):
            h = torch.relu(xb @ params[0] + params[1])
            return F.binary_cross_entropy_with_logits((h @ params[2] + params[3]).reshape(-1), yb)

        opt = make_optimizer(name, params, lr)
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            rows.append((name, 0, loss_of(X, y).item()))
        for epoch in range(1, EPOCHS + 1):
            if name == "lbfgs":
                def closure():
                    opt.zero_grad()
                    loss = loss_of(X, y)
                    loss.backward()
                    return loss
                opt.step(closure)
            elif batch >= N:
                opt.zero_grad()
                loss_of(X, y).backward()
                opt.step()
            else:
                order = torch.randperm(N, generator=gen)
                for s in range(0, N, batch):
                    idx = order[s:s + batch]
                    opt.zero_grad()
                    loss_of(X[idx], y[idx]).backward()
                    opt.step()
            with torch.no_grad():
                rows.append((name, epoch, loss_of(X, y).item()))
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("optimizer", "epoch", "loss"))
        w.writerows(rows)
    print(f"{time.perf_counter() - T0:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "torch_compare_all.csv")
