"""Issue 8 through the study layer: experiments with networks and tasks, compare on every task,
the memory estimate of a run plan, and the results layer for regression."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench.errors import ConfigError
from dlbench.study import plan
from dlbench.study.compare import compare, load_problem
from dlbench.study.experiment import Experiment, Problem, Run, Target, default_experiment, load_experiment
from dlbench.study.stats import aggregate, time_to_target


def small(**changes):
    return replace(default_experiment(), **{"epochs": 20, "runs": (Run("gd"), Run("adam")), **changes})


# --- experiments: hidden, activation, task, classes ---------------------------------------------


def test_one_hidden_layer_is_one_network_however_it_is_written():
    assert Experiment(hidden=(16,)) == Experiment(n_hidden=16) == Experiment(hidden=16) == Experiment(hidden=[16])
    assert Experiment(hidden=[64, 32]).hidden == (64, 32) and Experiment(hidden=[64, 32]).widths == (64, 32)
    assert Experiment(hidden=[64, 32]).n_hidden == 64  # mirrors the first width
    assert Experiment(hidden=0).widths == () and Experiment(hidden=[]).widths == () and Experiment(n_hidden=0).widths == ()
    assert replace(default_experiment(), n_hidden=3).widths == (3,)  # the old field still works
    assert default_experiment().widths == (8,) and default_experiment().loss is None
    back = Experiment.from_dict(Experiment(hidden=[64, 32], activation="tanh").to_dict())
    assert back.hidden == (64, 32) and back.activation == "tanh"
    old = Experiment.from_dict({"name": "old", "n_hidden": 5, "n_samples": 100, "n_features": 10, "loss": "bce"})
    assert old.widths == (5,)  # a config.json of dlbench 0.1


def test_toml_model_and_data_keys(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('[data]\nproblem = "blobs"\nclasses = 4\ntask = "multiclass"\n\n'
                    '[model]\nhidden = [16, 8]\nactivation = "tanh"\ninit = "torch"\nloss = "ce"\n')
    exp = load_experiment(path)
    assert (exp.widths, exp.activation, exp.init, exp.loss) == ((16, 8), "tanh", "torch", "ce")
    (problem,) = exp.resolved_problems()
    assert (problem.problem, problem.n_classes, problem.task, problem.n_samples) == ("blobs", 4, "multiclass", None)
    path.write_text('[model]\nn_hidden = 12\n')
    assert load_experiment(path).widths == (12,)
    path.write_text('[model]\nhidden = 0\n')
    assert load_experiment(path).widths == ()


@pytest.mark.parametrize("text,needle", [
    ('[model]\nhidden = [16, 0]\n', "line 2: The 'hidden' parameter"),
    ('[model]\nhidden = "wide"\n', "line 2: [model] 'hidden'"),
    ('[model]\nhidden = 8\nn_hidden = 8\n', "line 3: [model] 'n_hidden'"),
    ('[model]\nn_hidden = 70000\n', "line 2: The 'hidden' parameter"),
    ('[model]\nactivation = "swish"\n', "line 2: The 'activation' parameter"),
    ('[model]\nloss = "hinge"\n', "line 2: The 'loss' parameter"),
    ('[data]\nproblem = "digits"\n\n[model]\nloss = "bce"\n', "line 5: The 'loss' parameter of the multiclass problem 'digits'"),
    ('[data]\nproblem = "blobs"\nclasses = 1\n', "line 3: The 'classes' parameter"),
    ('[data]\nproblem = "random"\nclasses = 3\n', "line 3: The 'classes' parameter of the 'random' problem"),
    ('[data]\ntask = "ranking"\n', "line 2: The 'task' parameter"),
    ('[data]\nproblem = "digits"\nn_samples = 10\n', "line 3: The 'n_samples' parameter of the bundled data set 'digits'"),
    ('[[problems]]\nname = "a"\nproblem = "iris"\ntask = "regression"\n', "line 4: The 'task' parameter"),
    ('[[problems]]\nname = "a"\nproblem = "random"\n\n[[problems]]\nname = "b"\nproblem = "diabetes"\n'
     'target = { metric = "accuracy", value = 0.5 }\n', "line 8: The 'target metric' parameter of the regression problem 'b'"),
    ('[data]\nproblem = "iris"\n\n[target]\nmetric = "r2"\nvalue = 0.5\n', "line 5:"),
])
def test_bad_new_keys_name_file_line_and_key(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(f"{path}, ") and needle in message and "\n" not in message


# --- compare: tasks, standardisation, records ---------------------------------------------------


def test_tasks_a_named_problem_can_train_as():
    random_as_softmax = load_problem(Problem("r", "random", task="multiclass"))
    assert (random_as_softmax.task, random_as_softmax.n_outputs, random_as_softmax.classes) == ("multiclass", 2, (0, 1))
    two_blobs = load_problem(Problem("b", "blobs", n_classes=2, task="binary"))
    assert two_blobs.task == "binary" and set(np.unique(two_blobs.y)) == {0.0, 1.0}
    with pytest.raises(ConfigError, match="'task'"):
        load_problem(Problem("d", "diabetes", task="binary"))


def _forward(X, params, act=lambda z: np.maximum(z, 0.0)):
    """The network's output by its definition, in NumPy."""
    a = X
    layers = params.layers
    for W, b in layers[:-1]:
        a = act(a @ W + b)
    W, b = layers[-1]
    return a @ W + b


def test_bundled_features_are_standardised_but_never_the_regression_target():
    exp = small(problem="diabetes", runs=(Run("gd"),), epochs=1)
    c = compare(exp, repeat=1)
    data = dlbench.load_bundled("diabetes")
    Z = (data.X - data.X.mean(axis=0)) / data.X.std(axis=0)  # z-scores with the (whole) training set's statistics
    params = dlbench.init_params(10, 8, "glorot", seed=0)
    out = _forward(Z, params)[:, 0]
    loss = 0.5 * np.mean((data.y - out) ** 2)  # the raw target, 25..346
    r2 = 1.0 - np.sum((data.y - out) ** 2) / np.sum((data.y - data.y.mean()) ** 2)
    first = c.curves().query("epoch == 0").iloc[0]
    assert first["loss"] == pytest.approx(loss, rel=1e-12)
    assert first["r2"] == pytest.approx(r2, rel=1e-12) and np.isnan(first["accuracy"])
    assert first["rmse"] == pytest.approx(np.sqrt(np.mean((data.y - out) ** 2)), rel=1e-12)
    y_scaled = (data.y - data.y.mean()) / data.y.std()
    assert abs(0.5 * np.mean((y_scaled - out) ** 2) - loss) > 1000  # a standardised target would show
    assert c.datasets["diabetes"] == {"task": "regression", "n_samples": 442, "n_features": 10, "n_classes": 0,
                                      "classes": [], "n_outputs": 1, "standardized": True}
    assert c.networks["diabetes"] == {"hidden": [8], "activation": "relu", "n_outputs": 1, "n_params": 97, "loss": "mse",
                                      "init": "glorot"}


def test_multiclass_network_from_the_experiment():
    exp = small(problem="iris", hidden=(5, 4), activation="tanh", init="torch", runs=(Run("gd"),), epochs=1)
    c = compare(exp, repeat=1)
    data = dlbench.load_bundled("iris")
    Z = (data.X - data.X.mean(axis=0)) / data.X.std(axis=0)
    params = dlbench.init_params(4, (5, 4), "torch", seed=0, n_outputs=3)
    z = _forward(Z, params, np.tanh)
    # softmax cross-entropy by its definition: log sum exp z - z_y, averaged
    ce = np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(150), data.y.astype(int)])
    first = c.curves().query("epoch == 0").iloc[0]
    assert first["loss"] == pytest.approx(ce, rel=1e-12)
    assert first["accuracy"] == np.mean(z.argmax(axis=1) == data.y)
    # 4*5+5 + 5*4+4 + 4*3+3 parameters
    assert c.networks["iris"]["n_params"] == 64 and c.networks["iris"]["loss"] == "ce"
    assert c.datasets["iris"]["classes"] == ["setosa", "versicolor", "virginica"]


def test_mixed_tasks_in_one_suite_and_their_targets():
    problems = (
        Problem("lin", "linear", target=Target("loss", 0.6)),
        Problem("reg", "regression", n_samples=60, target=Target("r2", 0.3)),
        Problem("blob", "blobs", n_classes=4, target=Target("accuracy", 0.5)),
    )
    exp = small(problems=problems, hidden=(6, 6), seeds=2, epochs=60, test_fraction=0.25, runs=(Run("adam", lr=0.01),))
    c = compare(exp, repeat=1)
    summary = c.summary().set_index(["problem", "seed"])
    reg, lin = summary.loc["reg"], summary.loc["lin"]
    assert reg["final_accuracy"].isna().all() and reg["test_accuracy"].isna().all()
    np.testing.assert_allclose(reg["final_rmse"], np.sqrt(2 * reg["final_loss"]), rtol=1e-15)
    np.testing.assert_allclose(reg["test_rmse"], np.sqrt(2 * reg["test_loss"]), rtol=1e-15)
    assert lin["final_rmse"].isna().all() and lin["final_r2"].isna().all() and lin["final_accuracy"].notna().all()
    curves = c.curves()
    for (problem, seed), row in summary.iterrows():  # time to target, read off curves.csv
        metric, value = {"lin": ("loss", 0.6), "reg": ("r2", 0.3), "blob": ("accuracy", 0.5)}[problem]
        curve = curves[(curves["problem"] == problem) & (curves["seed"] == seed)]
        epoch, seconds = time_to_target(curve, metric, value)
        assert (row["epochs_to_target"], row["seconds_to_target"]) == pytest.approx((epoch, seconds), nan_ok=True)
    assert summary.loc["reg", "epochs_to_target"].notna().all()
    stats = c.stats().set_index(["problem", "optimizer"])
    values = summary.loc["reg", "final_r2"]
    assert stats.loc[("reg", "adam"), "final_r2_mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert stats.loc[("reg", "adam"), "final_r2_std"] == pytest.approx(values.std(ddof=1), rel=1e-12)
    assert np.isnan(stats.loc[("reg", "adam"), "final_accuracy_mean"])
    assert np.isnan(stats.loc[("lin", "adam"), "test_r2_mean"]) and stats.loc[("lin", "adam"), "test_accuracy_mean"] > 0
    assert {c.datasets[p]["task"] for p in ("lin", "reg", "blob")} == {"binary", "regression", "multiclass"}
    assert [c.networks[p]["n_outputs"] for p in ("lin", "reg", "blob")] == [1, 1, 4]
    assert c.profile() is not None


def test_tuning_a_regression_scores_r2_on_the_validation_split():
    exp = small(problem="regression", tune="lr", budget=2, epochs=10, runs=(Run("gd"),))
    c = compare(exp, repeat=1)
    tuning = c.tuning()
    assert tuning["val_accuracy"].isna().all() and tuning["val_r2"].notna().all()
    for rec, (_, row) in zip((c.trials[k] for k in sorted(c.trials)), tuning.iterrows()):
        assert row["val_r2"] == rec.result.test_accuracies[-1]
        assert row["val_rmse"] == pytest.approx(np.sqrt(2 * rec.result.test_losses[-1]), rel=1e-15)


def test_aggregate_summarises_rmse_and_r2_by_hand():
    summary = pd.DataFrame({
        "problem": ["r"] * 3, "optimizer": ["a"] * 3, "final_loss": [0.5, 0.125, 9.0],
        "final_rmse": [1.0, 0.5, 3.0], "final_r2": [0.2, 0.6, -5.0], "diverged": [False, False, True],
        "train_seconds": [1.0, 1.0, 1.0],
    })
    row = aggregate(summary).iloc[0]
    # the diverged third run is left out: rmse 1.0 and 0.5, R² 0.2 and 0.6
    assert row["final_rmse_mean"] == 0.75 and row["final_rmse_std"] == pytest.approx(np.sqrt(0.125), rel=1e-15)
    assert row["final_r2_mean"] == pytest.approx(0.4, rel=1e-15) and (row["final_r2_min"], row["final_r2_max"]) == (0.2, 0.6)
    assert np.isnan(row["final_accuracy_mean"]) and np.isnan(row["test_r2_mean"])


def test_time_to_target_takes_r2_as_higher_is_better():
    curve = pd.DataFrame({"epoch": [0, 1, 2, 3], "elapsed_s": [0.0, 0.1, 0.2, 0.3], "r2": [-2.0, 0.1, 0.7, 0.9],
                          "test_rmse": [3.0, 2.0, 1.0, 0.5]})
    assert time_to_target(curve, "r2", 0.5) == (2, 0.2)
    assert time_to_target(curve, "test_rmse", 1.5) == (2, 0.2)


# --- the memory of a run plan -------------------------------------------------------------------


def test_estimate_bytes_by_hand():
    exp = small(test_fraction=0.2, epochs=10, runs=(Run("gd"), Run("adam")))
    data = {"random": dlbench.make_dataset("random", 100, 10, seed=0)}
    # P = 10*8 + 8 + 8 + 1 = 97; units = 8 + 1 = 9; widest = 10 (the inputs); D = 10;
    # 80 training and 20 test samples; curves 8 * 11 = 88 values; gd has no state (1 slot
    # allocated), adam 2 slots.
    kept = 88 + 97  # per training, until the end
    workspace = (2 * 9 + 2 * 10 + 10) * 80 + (2 * 9 + 2 * 10 + 10) * 20  # = 4800
    live_gd = (2 * 1 + 8) * 97 + workspace
    live_adam = (2 * 2 + 8) * 97 + workspace
    assert plan.estimate_bytes(exp, data) == 8 * (2 * kept + live_adam)
    assert plan.estimate_bytes(exp, data, jobs=2) == 8 * (2 * kept + live_adam + live_gd)
    # with two seeds and a 3-trial tuning, every training keeps its curves; the validation split
    # is round(0.2 * 80) = 16 of the 80 training samples
    tuned = replace(exp, seeds=2, tune="lr", budget=3)
    trial_ws = (2 * 9 + 2 * 10 + 10) * 64 + (2 * 9 + 2 * 10 + 10) * 16
    assert plan.estimate_bytes(tuned, data) == 8 * (2 * (2 + 3) * kept + live_adam)
    assert trial_ws < workspace  # so the largest live training is still a final adam run


def test_check_memory_names_the_option_and_the_gib(monkeypatch):
    exp = small()
    data = {"random": dlbench.make_dataset("random", 100, 10, seed=0)}
    need = plan.estimate_bytes(exp, data)
    monkeypatch.setattr(plan, "physical_memory", lambda: need)
    assert plan.check_memory(exp, data) == need  # exactly enough is enough
    monkeypatch.setattr(plan, "physical_memory", lambda: need - 1)
    with pytest.raises(ConfigError) as info:
        plan.check_memory(exp, data)
    assert info.value.param == "hidden" and "GiB of memory" in str(info.value) and "needs about" in str(info.value)
    long = replace(exp, epochs=100_000)  # now the curves dominate
    monkeypatch.setattr(plan, "physical_memory", lambda: 2**20)
    with pytest.raises(ConfigError) as info:
        plan.check_memory(long, data)
    assert info.value.param == "epochs"


def test_compare_refuses_a_plan_larger_than_the_machine_before_training(monkeypatch):
    import dlbench.study.compare as cmp

    monkeypatch.setattr(plan, "physical_memory", lambda: 1)
    monkeypatch.setattr(cmp, "train", lambda *a, **k: pytest.fail("trained despite the memory check"))
    with pytest.raises(ConfigError, match="GiB"):
        compare(small(), repeat=1)


# --- the results layer on a regression ------------------------------------------------------------


@pytest.fixture(scope="module")
def regression_folder(tmp_path_factory):
    from dlbench.results.writer import ResultsWriter

    folder = tmp_path_factory.mktemp("reg")
    exp = small(problem="regression", seeds=2, test_fraction=0.2, epochs=30, runs=(Run("gd"), Run("adam", lr=0.01)))
    ResultsWriter(folder, {"command": "test", "kind": "compare"}).update(compare(exp, repeat=1))
    return folder


def test_regression_tables_show_rmse_and_r2(regression_folder):
    from rich.console import Console

    from dlbench.results.reader import load_results
    from dlbench.results.tables import print_results

    results = load_results(regression_folder)
    assert results.task("regression") == "regression" and results.is_regression("regression")
    console = Console(width=300, record=True)
    print_results(console, results)
    text = console.export_text()
    header = next(line for line in text.splitlines() if "final loss ± sd" in line)
    assert "rmse" in header and "R²" in header and "test R²" in header and "accuracy" not in header
    assert "regression problem, 100×10, regression, 20% test split, 8 hidden, glorot init, mse" in text
    stats = results.stats.set_index("optimizer")
    for name in ("gd", "adam"):
        r = stats.loc[name]
        assert f"{r['final_r2_mean']:.3f} ± {r['final_r2_std']:.3f}" in text


def test_regression_figures_and_exports(regression_folder, tmp_path):
    from dlbench.results.export import EXPORTERS
    from dlbench.results.figures import write_figures
    from dlbench.results.reader import load_results

    results = load_results(regression_folder)
    names = {p.name for p in write_figures(results, tmp_path)}
    assert {"loss.png", "r2.png", "r2.svg"} <= names and "accuracy.png" not in names
    assert "test R² vs epoch" in (tmp_path / "r2.svg").read_text()
    (md,) = EXPORTERS["markdown"](results, tmp_path)
    text = md.read_text()
    assert "R² (mean ± std)" in text and "rmse (mean ± std)" in text and "accuracy (mean ± std)" not in text
    (tex,) = EXPORTERS["latex"](results, tmp_path)
    # with its test split: the test loss and R² too (issue 10)
    assert r"Optimizer & Final loss & R$^2$ & Test loss & Test R$^2$ & Time (s) \\" in tex.read_text()
    stats = results.stats.set_index("optimizer")
    assert f"{stats.loc['adam', 'final_r2_mean']:.3g}" in tex.read_text()
