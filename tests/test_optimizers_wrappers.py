"""Lookahead, SAM (pytorch-optimizer 4.1.0) and Schedule-Free SGD / AdamW (schedulefree 1.4.1):
hand-derived single steps, the ``WRAPPER:BASE`` records, the evaluation point and the counts of
gradient evaluations.

Each step test sets the state by hand and writes the expected values out from the reference's
formula with small literal numbers (worked in the comments), then checks the compiled rule
(through ``apply_update`` and the loop's hooks) and the NumPy reference
(:mod:`dlbench.reference.wrappers`).
"""

import inspect

import numpy as np
import pytest

import dlbench
from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import apply_update, eval_point, sam_perturb, sam_restore
from dlbench.model.spec import Network
from dlbench.optimizers import GROUPS, OPTIMIZERS, expand_names, get_optimizer
from dlbench.optimizers.base import N_SCALARS
from dlbench.reference import wrappers as ref
from dlbench.training import prepare

TIGHT = dict(rtol=1e-14, atol=1e-15)
_LAYOUT = np.zeros((1, 5), dtype=np.int64)  # elementwise rules ignore the layout


def kernel_setup(name, hp=None, theta=None):
    spec = get_optimizer(name)
    values = spec.check(hp or {})
    n_slots, n_scalars = spec.state_size(values)
    return (np.zeros((max(n_slots, 1), theta.size)), np.zeros(max(n_scalars, N_SCALARS)),
            np.array(spec.kernel_hp({**values, "n_samples": 1, "batch_size": 1})))


# ---------------------------------------------------------------------------- Lookahead
def test_lookahead_two_steps_of_gd_then_the_pull_back():
    """k = 2, alpha = 0.5 around gd (lr 0.1), gradient (0.5, 1) twice from theta = (1, -2):
    step 1: theta = (0.95, -2.1), slow = (1, -2) (no sync: 1 % 2 != 0); step 2: fast (0.9, -2.2),
    then lerp(fast, slow, 0.5) = slow - (slow - fast) * 0.5 = (0.95, -2.1) = the new slow."""
    theta = np.array([1.0, -2.0])
    grad = np.array([0.5, 1.0])
    state, scalars, hp = kernel_setup("lookahead:gd", {"k": 2, "alpha": 0.5}, theta)
    apply_update(90, theta, grad, state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose(theta, [0.95, -2.1], **TIGHT)
    np.testing.assert_array_equal(state[0], [1.0, -2.0])
    apply_update(90, theta, grad, state, scalars, hp, 0.1, 2, _LAYOUT)
    np.testing.assert_allclose(theta, [0.95, -2.1], **TIGHT)
    np.testing.assert_array_equal(state[0], theta)
    # the NumPy reference, from the same start
    th, st = np.array([1.0, -2.0]), {}
    for step in (1, 2):
        ref.lookahead_rule(th, grad, st, {"k": 2, "alpha": 0.5, "base": "gd", "base_hp": {}}, 0.1, step)
    np.testing.assert_allclose(th, [0.95, -2.1], **TIGHT)


def test_lookahead_alpha_one_is_the_base_and_alpha_zero_undoes_it():
    """alpha = 1: lerp(fast, slow, 0) = fast (the base alone); alpha = 0: back to the slow
    weights every k steps (k = 1: theta never moves)."""
    theta = np.array([1.0, -2.0])
    grad = np.array([0.5, 1.0])
    state, scalars, hp = kernel_setup("lookahead:gd", {"k": 1, "alpha": 1.0}, theta)
    apply_update(90, theta, grad, state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose(theta, [0.95, -2.1], **TIGHT)
    theta = np.array([1.0, -2.0])
    state, scalars, hp = kernel_setup("lookahead:gd", {"k": 1, "alpha": 0.0}, theta)
    apply_update(90, theta, grad, state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_array_equal(theta, [1.0, -2.0])


def test_lookahead_keeps_the_base_state_in_the_first_rows():
    """Around momentum (one slot, the buffer) the slow weights are row 1; the buffer is the
    first gradient (torch seeds it with g): (0.5, 1)."""
    theta = np.array([1.0, -2.0])
    grad = np.array([0.5, 1.0])
    state, scalars, hp = kernel_setup("lookahead:momentum", {}, theta)
    assert state.shape[0] == 2
    apply_update(90, theta, grad, state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose(state[0], [0.5, 1.0], **TIGHT)
    np.testing.assert_array_equal(state[1], [1.0, -2.0])


# ---------------------------------------------------------------------------- SAM
def _net_layout():
    return Network.make(1, (1,)).layers  # W1 (1x1), b1, W2 (1x1), b2: four tensors of one entry


def test_sam_perturbation_follows_the_float32_norm():
    """g = (3, 0, 0, 4): per-tensor norms 3, 0, 0, 4 (float32), sum of squares 25, norm 5 (+1e-12,
    lost in float32); scale = float32(1/5) * float32(0.05) rounded to float32 (torch's ``rho /
    tensor`` is ``tensor.reciprocal() * rho``): 0.200000002980232 * 0.0500000007450581 =
    0.0100000002980232, whose nearest float32 is 0.010000000707805157 (4.1e-10 above) rather than
    0.009999999776482582 (5.2e-10 below)."""
    layers = _net_layout()
    theta = np.array([1.0, 2.0, -1.0, 0.5])
    grad = np.array([3.0, 0.0, 0.0, 4.0])
    state, _, hp = kernel_setup("sam:gd", {}, theta)
    sam_perturb(theta, grad, state, hp, layers)
    s = 0.010000000707805157
    np.testing.assert_array_equal(theta, [1.0 + 3.0 * s, 2.0, -1.0, 0.5 + 4.0 * s])
    np.testing.assert_array_equal(state[0], [1.0, 2.0, -1.0, 0.5])
    sam_restore(theta, state, hp)
    np.testing.assert_array_equal(theta, [1.0, 2.0, -1.0, 0.5])
    th = np.array([1.0, 2.0, -1.0, 0.5])
    ref.sam_perturb(th, grad, {"rho": 0.05, "adaptive": False, "perturb_eps": 1e-12}, layers)
    np.testing.assert_array_equal(th, [1.0 + 3.0 * s, 2.0, -1.0, 0.5 + 4.0 * s])


def test_asam_weighs_the_norm_by_theta_and_the_step_by_theta_squared():
    """adaptive: T g = (2*1.5, 0, 0, 1*4) = (3, 0, 0, 4), norm 5, rho = 0.5: scale = float32(1/5) *
    0.5 = 0.10000000149011612 (exact); e = theta**2 * g * scale = (4 * 1.5, 0, 0, 1 * 4) *
    scale."""
    layers = _net_layout()
    theta = np.array([2.0, 3.0, -1.0, 1.0])
    grad = np.array([1.5, 0.0, 0.0, 4.0])
    state, _, hp = kernel_setup("sam:gd", {"rho": 0.5, "adaptive": True}, theta)
    sam_perturb(theta, grad, state, hp, layers)
    s = 0.10000000149011612
    np.testing.assert_array_equal(theta, [2.0 + 6.0 * s, 3.0, -1.0, 1.0 + 4.0 * s])


def test_sam_update_is_the_base_step_with_the_given_gradient():
    theta = np.array([1.0, -2.0])
    state, scalars, hp = kernel_setup("sam:gd", {}, theta)
    apply_update(91, theta, np.array([0.5, 1.0]), state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose(theta, [0.95, -2.1], **TIGHT)


# ---------------------------------------------------------------------------- Schedule-Free
def test_schedulefree_sgd_two_steps_and_the_evaluation_point():
    """lr 0.1, beta 0.9, theta = 1, g1 = 1, g2 = 2. Step 1: weights 0.1**2, c = 1: y = z = 1 -
    0.1 = 0.9. Step 2: c = 0.5: y = lerp(0.9, 0.9, 0.5) + 0.1 (0.9 * 0.5 - 1) * 2 = 0.79, z = 0.9 -
    0.2 = 0.7; x = lerp(y, z, 1 - 1/0.9) = 0.79 - (0.7 - 0.79)/9 = 0.8 (= 0.5 x1 + 0.5 z2)."""
    theta = np.array([1.0])
    state, scalars, hp = kernel_setup("schedulefree-sgd", {}, theta)
    apply_update(55, theta, np.array([1.0]), state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose([theta[0], state[0, 0]], [0.9, 0.9], **TIGHT)
    apply_update(55, theta, np.array([2.0]), state, scalars, hp, 0.1, 2, _LAYOUT)
    np.testing.assert_allclose([theta[0], state[0, 0]], [0.79, 0.7], **TIGHT)
    row = eval_point(55, theta, state, hp)
    assert row == 1
    np.testing.assert_allclose(state[row], [0.8], **TIGHT)
    th, st = np.array([1.0]), {}
    values = get_optimizer("schedulefree-sgd").check({})
    ref.sf_sgd_rule(th, np.array([1.0]), st, values, 0.1, 1)
    ref.sf_sgd_rule(th, np.array([2.0]), st, values, 0.1, 2)
    np.testing.assert_allclose(th, [0.79], **TIGHT)
    np.testing.assert_allclose(ref.sf_x(th, st, values["momentum"]), [0.8], **TIGHT)


def test_schedulefree_sgd_warmup_and_weight_decay():
    """warmup_steps = 4: step 1 uses lr/4 = 0.025; weight_decay 0.5: g = 1 + 0.5 * 1 = 1.5:
    y = z = 1 - 0.025 * 1.5 = 0.9625."""
    theta = np.array([1.0])
    state, scalars, hp = kernel_setup("schedulefree-sgd", {"warmup_steps": 4, "weight_decay": 0.5}, theta)
    apply_update(55, theta, np.array([1.0]), state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose([theta[0], state[0, 0]], [0.9625, 0.9625], **TIGHT)


def test_schedulefree_adamw_first_step():
    """Step 1: v = 0.001 g**2, bias correction 0.001: d = |g| + eps (eps = 0): u = sign(g);
    c = 1: y = z = theta - lr sign(g) = (0.9, -1.9) for theta = (1, -2), g = (0.5, -4)."""
    theta = np.array([1.0, -2.0])
    state, scalars, hp = kernel_setup("schedulefree-adamw", {"eps": 0.0}, theta)
    apply_update(56, theta, np.array([0.5, -4.0]), state, scalars, hp, 0.1, 1, _LAYOUT)
    np.testing.assert_allclose(theta, [0.9, -1.9], **TIGHT)
    np.testing.assert_allclose(state[0], [0.9, -1.9], **TIGHT)
    np.testing.assert_allclose(state[1], [0.001 * 0.25, 0.001 * 16.0], **TIGHT)
    th, st = np.array([1.0, -2.0]), {}
    ref.sf_adamw_rule(th, np.array([0.5, -4.0]), st, get_optimizer("schedulefree-adamw").check({"eps": 0.0}), 0.1, 1)
    np.testing.assert_allclose(th, [0.9, -1.9], **TIGHT)


def _problem():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] - X[:, 1] > 0).astype(float)
    return X, y, dlbench.init_params(3, (4,), seed=1)


@pytest.mark.parametrize("name", ["schedulefree-sgd", "schedulefree-adamw"])
@pytest.mark.parametrize("batch_size", [None, 7])
def test_schedulefree_is_measured_and_returned_at_x(name, batch_size):
    """The reported loss is the loss at the returned parameters (x, not the training point y),
    on the training and on the held-out set."""
    from dlbench.reference.network import loss_grad

    X, y, params = _problem()
    r = dlbench.train(X, y, params, optimizer=name, epochs=15, lr=0.05, batch_size=batch_size,
                      X_test=X[:10], y_test=y[:10])
    theta = r.params.to_vector()
    net = Network.make(3, (4,))
    np.testing.assert_allclose(r.losses[-1], loss_grad(theta, X, y, net, "bce")[0], rtol=1e-12)
    np.testing.assert_allclose(r.test_losses[-1], loss_grad(theta, X[:10], y[:10], net, "bce")[0], rtol=1e-12)


# ---------------------------------------------------------------------------- gradient evaluations
@pytest.mark.parametrize("name, batch_size, per_epoch", [
    ("gd", None, 1), ("minibatch", 7, 5), ("sam:gd", None, 2), ("sam:minibatch", 7, 10),
    ("lookahead:adam", 7, 5), ("schedulefree-sgd", None, 1), ("schedulefree-adamw", 7, 5),
])
def test_gradient_evaluations_per_epoch(name, batch_size, per_epoch):
    """30 samples in batches of 7: 5 updates an epoch (the last of 2 samples); SAM takes two
    gradients per update; the reporting loss is not counted."""
    X, y, params = _problem()
    r = dlbench.train(X, y, params, optimizer=name, epochs=4, lr=0.01, batch_size=batch_size)
    np.testing.assert_array_equal(r.grad_evals, np.arange(5) * per_epoch)
    assert r.gradient_evaluations == 4 * per_epoch


def test_lbfgs_counts_its_closure_evaluations():
    """L-BFGS evaluates up to max_eval (25 at max_iter 20) times per epoch and at least once."""
    X, y, params = _problem()
    r = dlbench.train(X, y, params, optimizer="lbfgs", epochs=3)
    steps = np.diff(r.grad_evals)
    assert np.all(steps >= 1) and np.all(steps <= 25) and steps.sum() > 3


# ---------------------------------------------------------------------------- records
def test_wrapper_names_and_groups():
    assert {"lookahead", "sam", "schedulefree-sgd", "schedulefree-adamw"} <= set(OPTIMIZERS)
    assert {"lookahead", "sam", "schedulefree-sgd", "schedulefree-adamw"} <= set(GROUPS["all-2026"])
    assert expand_names(["lookahead:adam", "sam:sgd", "lookahead:adam"]) == ["lookahead:adam", "sam:sgd"]
    spec = get_optimizer("lookahead:adam")
    assert spec.name == "lookahead:adam" and spec.default_lr == get_optimizer("adam").default_lr
    assert [h.name for h in spec.hypers] == [h.name for h in get_optimizer("adam").hypers] + ["k", "alpha"]
    assert get_optimizer("sam:sgd").batch_size == 1
    # a clash with the base's own name gets the wrapper's prefix (pytorch-optimizer's defaults key)
    assert "lookahead_alpha" in {h.name for h in get_optimizer("lookahead:ademamix").hypers}
    assert "sam_rho" in {h.name for h in get_optimizer("sam:adadelta").hypers}


@pytest.mark.parametrize("name", ["lookahead:foo", "lookahead:lbfgs", "sam:lookahead", "sam:schedulefree-sgd"])
def test_bad_bases_are_refused(name):
    with pytest.raises(ConfigError, match="wraps one of"):
        get_optimizer(name)


def test_base_as_a_hyperparameter():
    """``lookahead`` with ``base = "sgd"`` trains as ``lookahead:sgd`` (its lr and batch size)."""
    plan = prepare("lookahead", 10, hyperparameters={"base": "sgd", "k": 3})
    assert (plan.optimizer, plan.lr, plan.batch_size) == ("lookahead:sgd", 0.01, 1)
    assert prepare("sam", 10).optimizer == "sam:sgd"
    assert prepare("lookahead", 10).optimizer == "lookahead:adam"
    with pytest.raises(ConfigError, match="'base' parameter of lookahead"):
        prepare("lookahead", 10, hyperparameters={"base": "lbfgs"})
    with pytest.raises(ConfigError, match="lookahead:adam does not take the hyperparameter 'rho'"):
        prepare("lookahead:adam", 10, hyperparameters={"rho": 1.0})
    with pytest.raises(ConfigError, match="'k' parameter"):
        prepare("lookahead:adam", 10, hyperparameters={"k": 0})


def test_defaults_equal_the_references():
    torch = pytest.importorskip("torch")  # noqa: F841
    pytorch_optimizer = pytest.importorskip("pytorch_optimizer")
    schedulefree = pytest.importorskip("schedulefree")

    def defaults(cls):
        return {k: v.default for k, v in inspect.signature(cls.__init__).parameters.items()}

    la = defaults(pytorch_optimizer.Lookahead)
    assert get_optimizer("lookahead").check({"base": "adam"})["k"] == la["k"]
    assert get_optimizer("lookahead").defaults()["alpha"] == la["alpha"]
    sam = defaults(pytorch_optimizer.SAM)
    mine = get_optimizer("sam").defaults()
    assert (mine["rho"], mine["adaptive"], mine["perturb_eps"]) == (sam["rho"], sam["adaptive"], sam["perturb_eps"])
    sgd = defaults(schedulefree.SGDScheduleFree)
    spec = get_optimizer("schedulefree-sgd")
    assert spec.default_lr == sgd["lr"]
    assert {k: spec.defaults()[k] for k in ("momentum", "weight_decay", "warmup_steps", "r", "weight_lr_power")} == \
        {k: sgd[k] for k in ("momentum", "weight_decay", "warmup_steps", "r", "weight_lr_power")}
    adamw = defaults(schedulefree.AdamWScheduleFree)
    spec = get_optimizer("schedulefree-adamw")
    d = spec.defaults()
    assert spec.default_lr == adamw["lr"] and (d["beta1"], d["beta2"]) == adamw["betas"]
    assert {k: d[k] for k in ("eps", "weight_decay", "warmup_steps", "r", "weight_lr_power")} == \
        {k: adamw[k] for k in ("eps", "weight_decay", "warmup_steps", "r", "weight_lr_power")}
