"""Issue 8 on the command line: deep networks, tasks, bundled data sets, and every bad input."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dlbench
from dlbench.optimizers import GROUPS
from dlbench.cli import app
from dlbench.data import PROBLEMS

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def only_folder(root):
    folders = [p for p in root.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def standardised(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def forward(X, params, act=lambda z: np.maximum(z, 0.0)):
    """The network's output by its definition, in NumPy."""
    a = X
    for W, b in params.layers[:-1]:
        a = act(a @ W + b)
    W, b = params.layers[-1]
    return a @ W + b


def cross_entropy(z, y):
    """Mean softmax cross-entropy, ``log sum exp z - z_y`` (the maximum subtracted first)."""
    m = z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z - m).sum(axis=1)) + m[:, 0] - z[np.arange(len(y)), y.astype(int)]))


# --- acceptance: bundled data sets and deep networks --------------------------------------------


def test_compare_all_on_digits_with_two_hidden_layers(tmp_path):
    # the acceptance command (with one timing repeat, to keep the suite fast)
    result = invoke("compare", "all", "--problem", "digits", "--hidden", "64,64", "--epochs", 20, "--no-plots",
                    "--repeat", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "default — digits: digits data set, 1797×64, 10 classes, 64,64 hidden, glorot init, ce, 20 epochs" in result.stdout
    folder = only_folder(tmp_path)
    summary = pd.read_csv(folder / "summary.csv")
    assert sorted(summary["optimizer"]) == sorted(GROUPS["all"])
    assert summary["final_accuracy"].between(0, 1).all() and summary["final_r2"].isna().all()
    config = json.loads((folder / "config.json").read_text())
    # 64*64+64 + 64*64+64 + 64*10+10 parameters
    assert config["networks"]["digits"] == {"hidden": [64, 64], "activation": "relu", "n_outputs": 10, "n_params": 8970,
                                            "loss": "ce", "init": "glorot"}
    assert config["datasets"]["digits"]["task"] == "multiclass" and config["datasets"]["digits"]["classes"] == list(range(10))
    curves = pd.read_csv(folder / "curves.csv")
    first = curves[(curves["epoch"] == 0) & (curves["optimizer"] == "gd")].iloc[0]
    data = dlbench.load_bundled("digits")
    X = data.X.copy()
    constant = np.all(X == X[:1], axis=0)  # digits has always-blank pixels: they become 0
    X[:, constant] = 0.0
    X[:, ~constant] = standardised(X[:, ~constant])
    params = dlbench.init_params(64, (64, 64), "glorot", seed=0, n_outputs=10)
    assert first["loss"] == pytest.approx(cross_entropy(forward(X, params), data.y), rel=1e-12)


@pytest.mark.parametrize("name,task", [("breast_cancer", "binary"), ("iris", "multiclass"), ("wine", "multiclass"),
                                       ("diabetes", "regression")])
def test_compare_all_on_the_other_bundled_data_sets(tmp_path, name, task):
    result = invoke("compare", "all", "--problem", name, "--epochs", 20, "--no-plots", "--repeat", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path)
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == len(GROUPS["all"])
    info = dlbench.data.BUNDLED[name]
    config = json.loads((folder / "config.json").read_text())
    assert config["datasets"][name]["task"] == task
    assert (config["datasets"][name]["n_samples"], config["datasets"][name]["n_features"]) == (info.n_samples, info.n_features)
    assert f"{name} data set, {info.n_samples}×{info.n_features}" in result.stdout
    header = next(line for line in result.stdout.splitlines() if "final loss" in line)
    if task == "regression":
        assert summary["final_accuracy"].isna().all()
        finite = summary[~summary["diverged"]]
        assert finite["final_r2"].notna().all() and len(finite)
        assert "rmse" in header and "R²" in header and "accuracy" not in header
    else:
        assert summary["final_accuracy"].notna().all() and summary["final_r2"].isna().all()
        assert "accuracy" in header and "R²" not in header


def test_adam_on_digits_with_32_16_reaches_90_percent(tmp_path):
    result = invoke("run", "-o", "adam", "--problem", "digits", "--hidden", "32,16", "--epochs", 200, "--no-plots",
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(only_folder(tmp_path) / "summary.csv")
    accuracy = summary["final_accuracy"].item()
    assert accuracy > 0.9
    assert re.search(rf"final accuracy\s+{accuracy:.3f}\s", result.stdout)
    curves = pd.read_csv(only_folder(tmp_path) / "curves.csv")
    assert curves["accuracy"].iloc[-1] == accuracy and curves["epoch"].iloc[-1] == 200


# --- regression, CSV targets, experiment files -------------------------------------------------


def test_regression_run_has_rmse_and_r2_in_summary_and_table(tmp_path):
    result = invoke("run", "-o", "gd", "--problem", "regression", "--samples", 60, "--features", 4, "--hidden", "6,5",
                    "--activation", "tanh", "--epochs", 100, "--no-plots", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path)
    row = pd.read_csv(folder / "summary.csv").iloc[0]
    assert np.isnan(row["final_accuracy"]) and np.isnan(row["test_accuracy"])
    assert row["final_rmse"] == pytest.approx(np.sqrt(2 * row["final_loss"]), rel=1e-15)
    assert re.search(rf"final rmse\s+{row['final_rmse']:.6f}\s", result.stdout)
    assert re.search(rf"final R²\s+{row['final_r2']:.3f}\s", result.stdout)
    header = next(line for line in result.stdout.splitlines() if line.strip().startswith("epoch"))
    assert header.split() == ["epoch", "loss", "rmse", "R²", "lr"]
    # epoch 0 by hand: the generated (unscaled) data, the tanh network, R² = 1 - SSE/SST
    data = dlbench.make_dataset("regression", 60, 4, seed=0)
    out = forward(data.X, dlbench.init_params(4, (6, 5), "glorot", seed=0), np.tanh)[:, 0]
    sse = np.sum((data.y - out) ** 2)
    first = pd.read_csv(folder / "curves.csv").iloc[0]
    assert first["loss"] == pytest.approx(sse / 120, rel=1e-12)
    assert first["rmse"] == pytest.approx(np.sqrt(sse / 60), rel=1e-12)
    assert first["r2"] == pytest.approx(1 - sse / np.sum((data.y - data.y.mean()) ** 2), rel=1e-12)
    again = invoke("show", folder)
    assert again.exit_code == 0 and again.stdout == result.stdout.split("\nSaved ")[0] + "\n"


def test_multiclass_csv_with_string_labels_records_the_mapping(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(45, 3))
    labels = np.array(["virginica", "setosa", "versicolor"])[np.arange(45) % 3]
    rng.shuffle(labels)
    path = tmp_path / "flowers.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "species": labels}).to_csv(path, index=False)
    result = invoke("run", "-o", "gd", "--data", path, "--target", "species", "--epochs", 3, "--no-plots",
                    "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    config = json.loads((folder / "config.json").read_text())
    assert config["datasets"]["flowers"]["classes"] == ["setosa", "versicolor", "virginica"]  # label k is classes[k]
    assert config["datasets"]["flowers"]["task"] == "multiclass" and config["networks"]["flowers"]["n_outputs"] == 3
    # the first loss with that mapping applied by hand, on standardised features
    y = np.searchsorted(["setosa", "versicolor", "virginica"], labels).astype(float)
    params = dlbench.init_params(3, 8, "glorot", seed=0, n_outputs=3)
    first = pd.read_csv(folder / "curves.csv").iloc[0]
    assert first["loss"] == pytest.approx(cross_entropy(forward(standardised(X), params), y), rel=1e-12)


def test_experiment_file_with_hidden_list_and_tanh(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text('[experiment]\nname = "deep"\n\n[model]\nhidden = [16, 8]\nactivation = "tanh"\n\n'
                    '[training]\nepochs = 5\n\n[[runs]]\noptimizer = "gd"\n')
    result = invoke("compare", "--experiment", path, "--repeat", 1, "--no-plots", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "deep — random: random problem, 100×10, 16,8 hidden tanh, glorot init, bce, 5 epochs" in result.stdout
    folder = only_folder(tmp_path / "out")
    config = json.loads((folder / "config.json").read_text())
    # 10*16+16 + 16*8+8 + 8*1+1 parameters
    assert config["networks"]["random"] == {"hidden": [16, 8], "activation": "tanh", "n_outputs": 1, "n_params": 321,
                                            "loss": "bce", "init": "glorot"}
    data = dlbench.make_dataset("random", 100, 10, seed=0)
    z = forward(data.X, dlbench.init_params(10, (16, 8), "glorot", seed=0), np.tanh)[:, 0]
    bce = np.mean(np.logaddexp(0.0, z) - data.y * z)
    assert pd.read_csv(folder / "curves.csv").iloc[0]["loss"] == pytest.approx(bce, rel=1e-12)


def test_classes_task_init_and_linear_model_options(tmp_path):
    result = invoke("run", "--problem", "blobs", "--classes", 5, "--init", "torch", "--epochs", 2, "--no-plots",
                    "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    config = json.loads((only_folder(tmp_path / "a") / "config.json").read_text())
    assert config["datasets"]["blobs"]["n_classes"] == 5 and config["networks"]["blobs"]["n_outputs"] == 5
    assert config["networks"]["blobs"]["init"] == "torch"
    result = invoke("run", "--task", "multiclass", "--hidden", 0, "--epochs", 2, "--no-plots", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    config = json.loads((only_folder(tmp_path / "b") / "config.json").read_text())
    # softmax regression on the binary problem: 10*2+2 parameters, cross-entropy
    assert config["networks"]["random"] == {"hidden": [], "activation": "relu", "n_outputs": 2, "n_params": 22,
                                            "loss": "ce", "init": "glorot"}


def test_list_problems_shows_size_task_and_classes():
    result = invoke("list", "problems")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Problems (--problem, or [data]/[[problems]] in an experiment file)" in out  # not eaten as markup
    for name in PROBLEMS:
        assert name in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip() and line.split()[0] in PROBLEMS}
    assert lines["digits"][1:5] == ["bundled", "multiclass", "1797×64", "10"]
    assert lines["diabetes"][1:5] == ["bundled", "regression", "442×10", "—"]
    assert lines["blobs"][1:5] == ["synthetic", "multiclass", "100×10", "3"]


def test_every_problem_name_is_a_choice():
    result = invoke("run", "--help")
    assert result.exit_code == 0
    for name in PROBLEMS:
        assert name in result.stdout


# --- bad input: one line on stderr, exit 2, nothing written --------------------------------------


def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


BAD = [
    (["--hidden", "8,0"], "Invalid value for '--hidden'"),
    (["--hidden", "a,b"], "Invalid value for '--hidden'"),
    (["--hidden", "-3"], "Invalid value for '--hidden'"),
    (["--hidden", ",".join(["4"] * 17)], "at most 16 layers"),
    (["--hidden", "65537"], "in [1, 65536]"),
    (["--activation", "swish"], "Invalid value for '--activation': must be one of 'relu', 'tanh'"),
    (["--task", "ranking"], "Invalid value for '--task'"),
    (["--task", "regression", "--problem", "iris"], "Invalid value for '--task'"),
    (["--loss", "bce", "--problem", "digits"], "Invalid value for '--loss' (the multiclass problem 'digits'): must be 'ce'"),
    (["--loss", "ce"], "Invalid value for '--loss' (the binary problem 'random')"),
    (["--classes", "1", "--problem", "blobs"], "Invalid value for '--classes': must be an integer >= 2"),
    (["--classes", "3"], "only 'blobs' and 'spirals' take a number of classes"),
    (["--samples", "50", "--problem", "digits"], "Invalid value for '--samples' (the bundled data set 'digits')"),
    (["--reach", "accuracy=0.9", "--problem", "diabetes"], "Invalid value for '--reach'"),
    (["--hidden", ",".join(["65536"] * 16)], "Invalid value for '--hidden': must be a network small enough for this "
                                            "machine's"),
    (["--epochs", str(10**11)], "Invalid value for '--epochs': must be a number of epochs small enough"),
]


@pytest.mark.parametrize("args,needle", BAD)
@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_network_and_task_options(tmp_path, command, args, needle):
    result = runner.invoke(app, [command, *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


BAD_CSV = [
    ("a,b,label\n1,2,yes\n3,4,no\n5,6,yes\n", ["--task", "regression"], "non-numeric value 'yes' in the target column"),
    ("a,b,label\n1,2,x\n3,4,y\n5,6,z\n7,8,x\n9,1,y\n", [], "a class with a single sample: 'z' at line 4"),
    ("a,b,y\n1,2,0.5\n3,4,nan\n5,6,1.5\n", ["--task", "regression"], "missing value (empty or NaN) in the target column 'y' at line 3"),
    ("a,b,y\n1,2,0.5\n3,4,1.25\n5,6,-inf\n", [], "infinite value '-inf' in the target column 'y' at line 4"),
    ("a,b,label\n1,2,x\n3,4,y\n5,6,x\n", ["--loss", "ce", "--task", "binary"], "Invalid value for '--loss'"),
    ("a,b,label\n1,2,x\n3,4,y\n5,6,x\n", ["--classes", "3"], "Invalid value for '--classes'"),
]


@pytest.mark.parametrize("text,extra,needle", BAD_CSV)
def test_bad_csv_targets_for_the_new_tasks(tmp_path, text, extra, needle):
    path = _csv(tmp_path, "bad.csv", text)
    result = runner.invoke(app, ["run", "--data", path, "--target", "y" if "a,b,y" in text else "label", *extra,
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_mixed_task_suite_from_a_file_and_show_prints_it_again(tmp_path):
    path = tmp_path / "mixed.toml"
    path.write_text(
        '[experiment]\nname = "mixed"\n\n[model]\nhidden = [6, 6]\n\n[training]\nepochs = 30\nseeds = 2\n\n'
        '[[runs]]\noptimizer = "adam"\nlr = 0.01\n\n[[runs]]\noptimizer = "gd"\n\n'
        '[[problems]]\nname = "lin"\nproblem = "linear"\ntarget = { metric = "loss", value = 0.6 }\n\n'
        '[[problems]]\nname = "reg"\nproblem = "regression"\nn_samples = 60\ntarget = { metric = "r2", value = 0.3 }\n\n'
        '[[problems]]\nname = "iris"\nproblem = "iris"\ntarget = { metric = "accuracy", value = 0.8 }\n')
    result = invoke("compare", "--experiment", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    names = {p.name for p in folder.iterdir()}
    assert {"accuracy.png", "r2.png", "profile.csv", "profile.png"} <= names
    headers = [line.split() for line in result.stdout.splitlines() if "final loss ± sd" in line]
    assert [("R²" in h, "accuracy" in h) for h in headers] == [(False, True), (True, False), (False, True)]
    assert "target: r2 >= 0.3" not in result.stdout and "Target: r2 >= 0.3" in result.stdout
    config = json.loads((folder / "config.json").read_text())
    assert [config["datasets"][p]["task"] for p in ("lin", "reg", "iris")] == ["binary", "regression", "multiclass"]
    again = invoke("show", folder)
    assert again.exit_code == 0
    assert again.stdout == result.stdout.split("\nSaved ")[0] + "\n"
