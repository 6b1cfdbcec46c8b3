"""The command line through Typer's CliRunner: outputs, files, and every bad input."""

import json
import os
import re
import stat

import heldout_oracle as heldout
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dlbench
from dlbench.cli import app
from dlbench.study.compare import CURVE_COLUMNS
from dlbench.results.tables import fmt_loss

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def only_folder(root):
    folders = [p for p in root.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_version_and_help():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("dlbench ")
    result = invoke("--help")
    assert result.exit_code == 0 and "compare" in result.stdout and "run" in result.stdout
    result = invoke("run", "--help")
    assert result.exit_code == 0
    for name in ("gd", "sgd", "minibatch", "dynamic"):
        assert name in result.stdout  # choices are listed


def test_run_prints_summary_and_writes_files(tmp_path):
    result = invoke("run", "--optimizer", "sgd", "--epochs", 300, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Loss every 100 epochs" in out and "final loss" in out and "compile time" in out and "training time" in out
    folder = only_folder(tmp_path)
    assert {"config.json", "summary.csv", "curves.csv", "stats.csv"} <= {p.name for p in folder.iterdir()}
    curves = pd.read_csv(folder / "curves.csv")
    assert list(curves.columns) == CURVE_COLUMNS
    assert len(curves) == 301 and set(curves["optimizer"]) == {"sgd"}
    for epoch in (0, 100, 200, 300):
        loss = curves.loc[curves.epoch == epoch, "loss"].item()
        assert re.search(rf"\b{epoch}\s+{re.escape(fmt_loss(loss))}", out), (epoch, loss)
    config = json.loads((folder / "config.json").read_text())
    assert config["command"].startswith("dlbench run")
    for key in ("dlbench", "numpy", "numba", "python", "cpu", "date"):
        assert config["environment"][key]
    assert config["experiment"]["epochs"] == 300
    assert config["runs"][0]["optimizer"] == "sgd" and config["runs"][0]["batch_size"] == 1


def test_compare_table_matches_csv_and_is_sorted(tmp_path):
    result = invoke("compare", "gd", "sgd", "minibatch", "dynamic", "--epochs", 200, "--repeat", 2, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path)
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary["final_loss"]) == sorted(summary["final_loss"])
    assert set(summary["optimizer"]) == {"gd", "sgd", "minibatch", "dynamic"}
    assert (summary["timing_repeats"] == 2).all()
    lines = [l for l in result.stdout.splitlines() if re.match(r"\s*\d+\s+\w", l)]
    for rank, (line, (_, row)) in enumerate(zip(lines, summary.iterrows()), start=1):
        cells = line.split()
        assert cells[0] == str(rank) and cells[1] == row["optimizer"]
        assert fmt_loss(row["final_loss"]) in cells and f"{row['final_accuracy']:.3f}" in cells
    assert "fastest" in result.stdout and "compile" in result.stdout
    curves = pd.read_csv(folder / "curves.csv")
    assert len(curves) == 4 * 201


def test_compare_same_seed_is_bit_identical(tmp_path):
    for sub in ("a", "b"):
        assert invoke("compare", "sgd", "dynamic", "--epochs", 50, "--repeat", 1, "--out", tmp_path / sub).exit_code == 0
    a = pd.read_csv(only_folder(tmp_path / "a") / "curves.csv")
    b = pd.read_csv(only_folder(tmp_path / "b") / "curves.csv")
    pd.testing.assert_frame_equal(a.drop(columns="elapsed_s"), b.drop(columns="elapsed_s"), check_exact=True)


def test_compare_experiment_file(tmp_path):
    root = os.path.join(os.path.dirname(__file__), "..", "experiments", "article.toml")
    result = invoke("compare", "--experiment", root, "--epochs", 100, "--repeat", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(only_folder(tmp_path) / "summary.csv")
    assert set(summary["optimizer"]) == {"gd", "sgd", "minibatch", "dynamic"}
    assert set(summary["lr"]) == {0.01}
    config = json.loads((only_folder(tmp_path) / "config.json").read_text())
    assert config["experiment"]["init"] == "uniform" and config["experiment"]["epochs"] == 100


def test_diverging_run_is_reported_and_others_go_on(tmp_path):
    result = invoke("compare", "gd", "sgd", "--lr", "1e6", "--epochs", 50, "--repeat", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "diverged" in result.stdout
    summary = pd.read_csv(only_folder(tmp_path) / "summary.csv")
    assert len(summary) == 2 and summary["diverged"].all()
    result = invoke("run", "--optimizer", "gd", "--lr", "1e6", "--epochs", 50, "--out", tmp_path)
    assert result.exit_code == 0 and "diverged" in result.stdout


def test_list_shows_every_optimizer_with_defaults_and_reference():
    import dlbench

    result = invoke("list")
    assert result.exit_code == 0
    for name in dlbench.OPTIMIZERS:
        assert name in result.stdout
    assert "torch.optim.SGD" in result.stdout and "bold-driver" in result.stdout
    assert invoke("list", "optimizers").exit_code == 0 and invoke("list", "schedules").exit_code == 0


BAD = [
    (["run", "--optimizer", "nope"], "nope"),
    (["run", "--loss", "hinge"], "hinge"),
    (["run", "--init", "zeros"], "zeros"),
    (["run", "--lr", "0"], "--lr"),
    (["run", "--lr", "-1"], "--lr"),
    (["run", "--lr", "nan"], "--lr"),
    (["run", "--lr", "inf"], "--lr"),
    (["run", "--epochs", "0"], "--epochs"),
    (["run", "--epochs", "abc"], "--epochs"),
    (["run", "--batch-size", "0"], "--batch-size"),
    (["run", "--batch-size", "1000"], "--batch-size"),
    (["run", "--hidden", "8,0"], "--hidden"),  # 0 alone is a linear model
    (["run", "--features", "0"], "--features"),
    (["run", "--samples", "0"], "--samples"),
    (["run", "--optimizer", "gd", "--param", "momentum=0.9"], "momentum"),
    (["run", "--param", "novalue"], "NAME=VALUE"),
    (["compare", "gd", "nope"], "Valid optimizers"),
    (["compare", "--repeat", "0"], "--repeat"),
    (["compare", "--experiment", "does-not-exist.toml"], "does-not-exist.toml"),
]


@pytest.mark.parametrize("args,needle", BAD)
def test_bad_input_is_one_clear_line_exit_2(tmp_path, args, needle):
    result = runner.invoke(app, [*args, "--out", str(tmp_path)] if args[0] in ("run", "compare") else args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert needle in result.stderr
    assert not any(tmp_path.iterdir())  # nothing written for a usage error


def test_malformed_experiment_file_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[training]\nepochs = 10\n\n[[runs]]\noptimizer = "adam"\nlr = "fast"\n')
    result = invoke("compare", "--experiment", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "bad.toml, line 6" in result.stderr and "'lr'" in result.stderr
    bad.write_text("[training\nepochs = 10\n")
    result = invoke("compare", "--experiment", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "bad.toml" in result.stderr and "line 1" in result.stderr
    bad.write_text('[training]\nepochs = 10\nlearning_rate = 3\n')
    result = invoke("compare", "--experiment", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "line 3" in result.stderr and "learning_rate" in result.stderr
    bad.write_text('[training]\nepochs = 10\n\n[[runs]]\noptimizer = "gd"\nhyperparameters = { momentum = 0.9 }\n')
    result = invoke("compare", "--experiment", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "line 6" in result.stderr and "momentum" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder_is_a_runtime_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    result = invoke("run", "--epochs", 5, "--out", locked / "sub")
    assert result.exit_code == 1 and "Cannot write results" in result.stderr


def test_output_path_that_is_a_file_is_a_runtime_error(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    result = invoke("run", "--epochs", 5, "--out", afile)
    assert result.exit_code == 1 and "Cannot write results" in result.stderr and "Traceback" not in result.output


def test_results_folders_are_never_overwritten(tmp_path):
    for _ in range(2):
        assert invoke("run", "--epochs", 5, "--out", tmp_path).exit_code == 0
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_interrupted_comparison_keeps_finished_runs(tmp_path, monkeypatch):
    import dlbench.study.compare as cmp

    real_train = cmp.train
    calls = {"n": 0}

    def flaky_train(*args, **kwargs):
        if kwargs.get("optimizer") == "minibatch":
            raise KeyboardInterrupt
        calls["n"] += 1
        return real_train(*args, **kwargs)

    monkeypatch.setattr(cmp, "train", flaky_train)
    result = invoke("compare", "gd", "sgd", "minibatch", "dynamic", "--epochs", 20, "--repeat", 1, "--out", tmp_path)
    assert result.exit_code == 130
    folder = only_folder(tmp_path)
    summary = pd.read_csv(folder / "summary.csv")
    assert set(summary["optimizer"]) == {"gd", "sgd"}
    config = json.loads((folder / "config.json").read_text())
    assert config["interrupted"] is True and config["completed_runs"] == 2 and config["planned_runs"] == 4
    assert "Interrupted" in result.stderr


# --- issue 4: seeds, tuning, data, targets, jobs -----------------------------------------------


def test_seeds_print_statistics_and_write_stats(tmp_path):
    result = invoke("compare", "gd", "adam", "--epochs", 30, "--seeds", 4, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "final loss ± sd" in result.stdout and "Mean ± sample standard deviation" in " ".join(result.stdout.split()) and "95% CI" in result.stdout and "Over 4 seeds" in result.stdout
    folder = only_folder(tmp_path)
    summary = pd.read_csv(folder / "summary.csv")
    stats = pd.read_csv(folder / "stats.csv")
    assert len(summary) == 8 and len(stats) == 2
    for _, row in stats.iterrows():
        values = summary.loc[summary["optimizer"] == row["optimizer"], "final_loss"]
        assert row["final_loss_mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert row["final_loss_std"] == pytest.approx(values.std(ddof=1), rel=1e-12)
        # Student t interval over 4 seeds: t_{0.975, 3} = 3.1824463052837084 (mpmath), s / sqrt(4)
        half = 3.1824463052837084 * values.std(ddof=1) / 2
        assert row["final_loss_ci_low"] == pytest.approx(values.mean() - half, rel=1e-12)
        assert row["final_loss_ci_high"] == pytest.approx(values.mean() + half, rel=1e-12)
        # the interval at full precision; mean ± sd rounded to the sd's second significant digit
        assert f"[{fmt_loss(row['final_loss_ci_low'])}, {fmt_loss(row['final_loss_ci_high'])}]" in result.stdout
        line = next(l for l in result.stdout.splitlines() if f" {row['optimizer']} " in l and " ± " in l)
        mean, sd = re.search(r"\s([0-9.]+) ± ([0-9.]+)\s", line).groups()
        assert len(sd.lstrip("0.")) == 2 and len(mean.split(".")[1]) == len(sd.split(".")[1])
        assert abs(float(mean) - values.mean()) <= 0.5 * 10.0 ** -len(mean.split(".")[1])
        assert abs(float(sd) - values.std(ddof=1)) <= 0.5 * 10.0 ** -len(sd.split(".")[1])


def test_tune_writes_every_trial(tmp_path):
    result = invoke("compare", "gd", "sgd", "--epochs", 20, "--tune", "lr", "--budget", 3, "--seeds", 2, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "Tuning" in result.stdout and "chosen lr" in result.stdout
    tuning = pd.read_csv(only_folder(tmp_path) / "tuning.csv")
    assert len(tuning) == 6 and tuning["selected"].sum() == 2


def test_own_csv_data_with_test_split(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    result = invoke("run", "-o", "adam", "--lr", "0.05", "--epochs", 50, "--data", path, "--target", "label",
                    "--test-fraction", "0.25", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    curves = pd.read_csv(only_folder(tmp_path / "out") / "curves.csv")
    assert curves["test_loss"].notna().all() and set(curves["problem"]) == {"mine"}


def test_own_csv_data_test_split_is_scaled_with_the_training_statistics(tmp_path):
    path = tmp_path / "shifted.csv"
    X, y = heldout.write_shifted_csv(path, n=40, fraction=0.3, seed=4)
    result = invoke("run", "-o", "gd", "--epochs", 1, "--data", path, "--target", "y", "--test-fraction", "0.3",
                    "--seed", 4, "--hidden", 3, "--init", "uniform", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    curves = pd.read_csv(only_folder(tmp_path / "out") / "curves.csv")
    first = curves[curves["epoch"] == 0].iloc[0]
    # by hand: split by the documented rule, z-scores with the training rows' statistics only
    params = dlbench.init_params(2, 3, "uniform", 4)
    (train_loss, test_loss), leaked = heldout.expected_initial_losses(X, y, params, 0.3, 4)
    assert first["loss"] == pytest.approx(train_loss, rel=1e-12)
    assert first["test_loss"] == pytest.approx(test_loss, rel=1e-12)
    assert abs(leaked[1] - test_loss) > 0.1 * test_loss  # a leak would show


def test_reach_reports_time_to_target(tmp_path):
    result = invoke("compare", "gd", "nesterov", "--epochs", 200, "--reach", "loss=0.6", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "time to target" in result.stdout and "target: loss <= 0.6" in result.stdout
    summary = pd.read_csv(only_folder(tmp_path) / "summary.csv").set_index("optimizer")
    curves = pd.read_csv(only_folder(tmp_path) / "curves.csv")
    reached = 0
    for name in ("gd", "nesterov"):
        # the definition, read off curves.csv: the first epoch whose loss is <= 0.6, and its elapsed time
        curve = curves[curves["optimizer"] == name].sort_values("epoch")
        hit = curve[curve["loss"] <= 0.6]
        if hit.empty:
            assert np.isnan(summary.loc[name, "epochs_to_target"]) and np.isnan(summary.loc[name, "seconds_to_target"])
            continue
        reached += 1
        assert summary.loc[name, "epochs_to_target"] == hit["epoch"].iloc[0]
        assert summary.loc[name, "seconds_to_target"] == pytest.approx(hit["elapsed_s"].iloc[0], rel=1e-12)
    assert reached >= 1


BAD_CSV = [
    ("a,b,label\n1,2,x\n3,4,y\n5,6,z\n", "label", "3"),
    ("a,b,label\n1,two,x\n3,4,y\n", "label", "line 2"),
    ("a,b,label\n1,,x\n3,4,y\n", "label", "line 2"),
    ("a,b,label\n1,2,x\n", "label", "row"),
    ("a,b,label\n1,2,x\n3,4,y\n", "nope", "nope"),
]


@pytest.mark.parametrize("text,target,needle", BAD_CSV)
def test_bad_csv_is_a_clear_usage_error(tmp_path, text, target, needle):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = runner.invoke(app, ["run", "--data", str(path), "--target", target, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


BAD4 = [
    (["compare", "--seeds", "0"], "seeds"),
    (["compare", "--test-fraction", "1.5"], "--test-fraction"),
    (["compare", "--budget", "huge"], "budget"),
    (["compare", "--tune", "nosuch"], "nosuch"),
    (["compare", "--reach", "speed=3"], "--reach"),
    (["compare", "--reach", "loss"], "--reach"),
    (["compare", "--jobs", "0"], "--jobs"),
    (["run", "--data", "missing.csv", "--target", "y"], "missing.csv"),
    (["run", "--data", "missing.csv"], "--target"),
    (["run", "--target", "y"], "--data"),
    (["run", "--problem", "xor", "--features", "1"], "xor"),
    (["run", "--problem", "spiral"], "spiral"),
    (["run", "--noise", "-1", "--problem", "linear"], "noise"),
]


@pytest.mark.parametrize("args,needle", BAD4)
def test_bad_issue4_input_exit_2(tmp_path, args, needle):
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


# --- issue 5: figures, show, runs, export ---------------------------------------------------------


def _tables(output: str) -> str:
    """The printed tables: everything before the closing 'Saved ...' message."""
    return "\n".join(line.rstrip() for line in output.split("\nSaved ")[0].splitlines())


@pytest.mark.parametrize("args", [
    ["compare", "gd", "adam", "--epochs", "30", "--seeds", "3"],
    ["compare", "gd", "sgd", "--epochs", "30", "--repeat", "1", "--reach", "loss=0.65"],
    ["compare", "gd", "sgd", "--epochs", "20", "--tune", "lr", "--budget", "3", "--test-fraction", "0.2"],
    ["run", "-o", "sgd", "--epochs", "50"],
])
def test_show_prints_the_same_tables_as_the_original_run(tmp_path, args):
    first = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    folder = only_folder(tmp_path)
    assert (folder / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (folder / "loss.svg").exists()
    again = invoke("show", folder)
    assert again.exit_code == 0, again.output
    assert _tables(again.stdout) == _tables(first.stdout)
    assert "▁" in again.stdout or args[0] == "run"  # sparklines in comparison tables


def test_no_plots_and_plot_files_for_tuned_and_multi_problem(tmp_path):
    assert invoke("compare", "gd", "--epochs", 10, "--repeat", 1, "--no-plots", "--out", tmp_path / "a").exit_code == 0
    assert not list(only_folder(tmp_path / "a").glob("*.png"))
    result = invoke("compare", "gd", "sgd", "--epochs", 20, "--tune", "lr", "--budget", 3, "--out", tmp_path / "b")
    assert result.exit_code == 0 and (only_folder(tmp_path / "b") / "lr_sensitivity.png").exists()
    suite = tmp_path / "suite.toml"
    suite.write_text(
        '[training]\nepochs = 30\n\n[[runs]]\noptimizer = "gd"\n\n[[runs]]\noptimizer = "adam"\n\n'
        '[[problems]]\nname = "p"\nproblem = "linear"\nn_samples = 40\ntarget = { metric = "loss", value = 0.65 }\n\n'
        '[[problems]]\nname = "q"\nproblem = "xor"\nn_samples = 40\nn_features = 3\ntarget = { metric = "loss", value = 0.68 }\n'
    )
    result = invoke("compare", "--experiment", suite, "--repeat", 1, "--out", tmp_path / "c")
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "c")
    assert (folder / "profile.csv").exists() and (folder / "profile.png").exists()
    assert "performance profile" in result.stdout


def test_diverged_run_still_gets_figures(tmp_path):
    result = invoke("compare", "gd", "sgd", "--lr", "1e6", "--epochs", 30, "--repeat", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert (only_folder(tmp_path) / "loss.png").exists()


def test_runs_lists_folders_newest_first(tmp_path):
    for opt in ("gd", "adam"):
        assert invoke("run", "-o", opt, "--epochs", 5, "--no-plots", "--out", tmp_path).exit_code == 0
    (tmp_path / "junk").mkdir()
    result = invoke("runs", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout
    assert lines.index("dlbench run --optimizer adam") < lines.index("dlbench run --optimizer gd")
    assert "junk" in lines


@pytest.mark.parametrize("fmt,name", [("csv", "curves.csv"), ("json", "results.json"), ("markdown", "report.md"),
                                      ("latex", "table.tex")])
def test_export_formats(tmp_path, fmt, name):
    assert invoke("compare", "gd", "adam", "--epochs", 20, "--seeds", 2, "--no-plots", "--out", tmp_path / "r").exit_code == 0
    folder = only_folder(tmp_path / "r")
    result = invoke("export", folder, "--format", fmt, "--to", tmp_path / "x")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / name).is_file() and str(tmp_path / "x" / name) in result.stdout


def test_show_and_export_errors_are_clear(tmp_path):
    result = invoke("show", tmp_path / "nope")
    assert result.exit_code == 1 and "nope" in result.stderr and "Traceback" not in result.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    result = invoke("show", bad)
    assert result.exit_code == 1 and "config.json" in result.stderr
    result = invoke("export", bad, "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    result = invoke("export", bad, "--format", "pdf")
    assert result.exit_code == 2


def test_help_imports_neither_numba_nor_numpy_nor_pandas_nor_matplotlib():
    import subprocess
    import sys

    code = ("import sys\nfrom typer.testing import CliRunner\nfrom dlbench.cli.app import app\n"
            "CliRunner().invoke(app, ['--help'])\nCliRunner().invoke(app, ['compare', '--help'])\n"
            "print(sorted(m for m in ('numba', 'numpy', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_problem_choices_match_the_data_module():
    from dlbench.cli.app import ProblemName
    from dlbench.data import PROBLEMS

    assert [p.value for p in ProblemName] == list(PROBLEMS)
