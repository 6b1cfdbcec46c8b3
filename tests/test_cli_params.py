"""Issue 10, CLI: ``compare --param/--schedule/--schedule-param``, per-optimizer settings in the
arguments (``adam adam:beta2=0.99 sgd:lr=0.05``: each a run labelled as typed), ``run -o sgd -o
adam`` and ``--data`` with ``--problem`` refused, shipped experiments by name, shell completion,
``show`` on interrupted folders and interrupted tunings. Bad input: one line, exit 2."""

import json
import os

import pandas as pd
import pytest
from typer.testing import CliRunner

import results_factory as factory
from test_bad_input_matrix import one_line_error  # exit status, one stderr line with every word, no traceback
from dlbench.cli import app
from dlbench.errors import ConfigError
from dlbench.study.experiment import (Experiment, Run, apply_settings, article_experiment, load_experiment, parse_run,
                                      shipped_experiments)

runner = CliRunner()


def invoke(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


# --- the NAME:KEY=VALUE syntax ------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("adam", Run("adam")),
    ("adam:beta2=0.99", Run("adam", label="adam:beta2=0.99", hyperparameters={"beta2": 0.99})),
    ("sgd:lr=0.05", Run("sgd", label="sgd:lr=0.05", lr=0.05)),
    ("minibatch:batch-size=10,lr=0.1", Run("minibatch", label="minibatch:batch-size=10,lr=0.1", lr=0.1, batch_size=10)),
    ("lookahead:adam", Run("lookahead:adam")),  # ':' then a name without '=': the registry's
    ("lookahead:adam:k=5", Run("lookahead:adam", label="lookahead:adam:k=5", hyperparameters={"k": 5})),
    ("adam:betas=0.9,0.999,eps=1e-8", Run("adam", label="adam:betas=0.9,0.999,eps=1e-8",
                                          hyperparameters={"betas": "0.9,0.999", "eps": 1e-8})),
    ("sgd:schedule=cosine", Run("sgd", label="sgd:schedule=cosine", schedule="cosine")),
])
def test_parse_run(text, expected):
    assert parse_run(text) == expected


@pytest.mark.parametrize("text,words", [
    (":lr=0.1", ["optimizer NAME"]), ("sgd:lr=fast", ["lr must be a number", "'fast'"]),
    ("sgd:lr=1,lr=2", ["'lr' is set twice"]), ("sgd:=3", ["KEY=VALUE"]), ("sgd:lr=", ["KEY=VALUE"]),
    ("sgd:,lr=1", ["KEY=VALUE"]),
])
def test_parse_run_refuses(text, words):
    with pytest.raises(ConfigError) as info:
        parse_run(text)
    for word in words:
        assert word in str(info.value)


def test_with_runs_labels_and_groups():
    exp = Experiment().with_runs(["adam", "adam:beta2=0.99", "sgd:lr=0.05", "all"])
    names = [r.name for r in exp.runs]
    assert names[:3] == ["adam", "adam:beta2=0.99", "sgd:lr=0.05"]
    assert len(names) == 3 + 17  # 'all' adds its 18 members but adam, already there
    with pytest.raises(ConfigError, match="both called 'adam:beta2=0.99'"):
        Experiment().with_runs(["adam:beta2=0.99", "adam:beta2=0.99"])


def test_apply_settings_goes_to_the_optimizers_that_have_it():
    exp = Experiment().with_runs(["adam", "adamw", "sgd"])
    out = apply_settings(exp, {"beta2": "0.95"})
    assert [r.hyperparameters for r in out.runs] == [{"beta2": "0.95"}, {"beta2": "0.95"}, {}]
    with pytest.raises(ConfigError, match=r"--param.*\(adam, adamw, sgd\).*'momentum_x'"):
        apply_settings(exp, {"momentum_x": "1"})
    sched = apply_settings(exp, schedule="step", schedule_params={"gamma": "0.5"})
    assert {r.schedule for r in sched.runs} == {"step"} and all(r.schedule_params == {"gamma": "0.5"} for r in sched.runs)
    with pytest.raises(ConfigError, match="--schedule-param"):  # the constant schedule takes nothing
        apply_settings(exp, schedule_params={"gamma": "0.5"})
    # typed settings win over the flags; an experiment file's lose to them
    typed = Experiment().with_runs(["adam:beta2=0.9", "adam"])
    assert [r.hyperparameters["beta2"] for r in apply_settings(typed, {"beta2": "0.5"}, typed=True).runs] == [0.9, "0.5"]
    filed = Experiment(runs=(Run("adam", hyperparameters={"beta2": 0.9}),))
    assert apply_settings(filed, {"beta2": "0.5"}).runs[0].hyperparameters == {"beta2": "0.5"}


# --- through the CLI ----------------------------------------------------------------------------

BAD = [
    (["compare", "sgd", "gd", "--param", "beta2=0.9"], ["--param", "beta2"]),
    (["compare", "sgd", "--param", "beta2"], ["--param", "NAME=VALUE"]),
    (["compare", "adam", "--schedule-param", "gamma=0.5"], ["--schedule-param", "gamma"]),
    (["compare", "adam:beta2=0.99", "adam:beta2=0.99"], ["both called"]),
    (["compare", "nosuch:lr=0.1"], ["Unknown optimizer 'nosuch'"]),
    (["compare", "adam:beta2=2"], ["beta2"]),
    (["compare", "adam:nope=1"], ["nope"]),
    (["compare", "sgd:lr=abc"], ["lr must be a number"]),
    (["run", "-o", "sgd", "-o", "adam"], ["--optimizer", "sgd, adam", "dlbench compare sgd adam"]),
    (["run", "--problem", "xor", "--data", "x.csv", "--target", "y"], ["--data", "--problem"]),
    (["compare", "gd", "--problem", "xor", "--data", "x.csv", "--target", "y"], ["--data", "--problem"]),
    (["compare", "gd", "--experiment", "nosuch"], ["nosuch", "shipped", "article"]),
    (["compare", "gd", "--rank-by", "speed"], ["--rank-by"]),
    (["run", "--rank-by", "speed"], ["--rank-by"]),
]


@pytest.mark.parametrize("args,words", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input(tmp_path, args, words):
    one_line_error(invoke(*args, "--no-plots", "--out", tmp_path / "r"), 2, *words)
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_compare_runs_each_setting_with_its_label(tmp_path):
    out = tmp_path / "r"
    result = invoke("compare", "adam", "adam:beta2=0.99", "sgd:lr=0.05", "--epochs", 5, "--no-plots", "--out", out)
    assert result.exit_code == 0, result.stderr
    (folder,) = out.iterdir()
    summary = pd.read_csv(folder / "summary.csv")
    assert set(summary["optimizer"]) == {"adam", "adam:beta2=0.99", "sgd:lr=0.05"}
    assert set(summary.set_index("optimizer")["rule"]) == {"adam", "sgd"}
    runs = {r["label"]: r for r in json.loads((folder / "config.json").read_text())["runs"]}
    assert runs["adam:beta2=0.99"]["optimizer"] == "adam" and runs["adam:beta2=0.99"]["hyperparameters"]["beta2"] == 0.99
    assert runs["adam"]["hyperparameters"]["beta2"] == 0.999  # torch.optim.Adam's default
    assert runs["sgd:lr=0.05"]["optimizer"] == "sgd" and runs["sgd:lr=0.05"]["lr"] == 0.05
    for label in ("adam:beta2=0.99", "sgd:lr=0.05"):
        assert label in result.stdout  # the table shows the label whole
    # the same run through --param: the same numbers (same data, start and order)
    other = tmp_path / "p"
    again = invoke("compare", "adam", "sgd", "--param", "beta2=0.99", "--epochs", 5, "--no-plots", "--out", other)
    assert again.exit_code == 0, again.stderr
    (folder2,) = other.iterdir()
    second = pd.read_csv(folder2 / "summary.csv").set_index("optimizer")
    first = summary.set_index("optimizer")
    assert first.loc["adam:beta2=0.99", "final_loss"] == second.loc["adam", "final_loss"]
    assert first.loc["adam", "final_loss"] != second.loc["adam", "final_loss"]
    assert "beta2" not in json.loads((folder2 / "config.json").read_text())["runs"][1]["hyperparameters"]  # sgd


def test_shipped_experiments_by_name_outside_the_repository(tmp_path):
    assert set(shipped_experiments()) == {"article", "default", "suite", "tuned"}
    cwd = os.getcwd()
    os.chdir(tmp_path)  # no experiments/ folder here
    try:
        exp = load_experiment("article")
        assert load_experiment("article.toml") == exp
    finally:
        os.chdir(cwd)
    from dataclasses import replace

    assert replace(exp, source=None) == replace(article_experiment(), source=None)
    listed = invoke("list", "experiments")
    assert listed.exit_code == 0
    for name in ("article", "default", "suite", "tuned"):
        assert f"  {name}  " in listed.stdout


def test_shell_completion():
    helped = invoke("--help")
    assert "--install-completion" in helped.stdout and "--show-completion" in helped.stdout
    # what the installed script does: the shell calls dlbench with these variables set
    env = {"_DLBENCH_COMPLETE": "complete_bash", "COMP_WORDS": "dlbench compare ada", "COMP_CWORD": "2"}
    completed = runner.invoke(app, [], prog_name="dlbench", env=env)
    assert completed.stdout.split() == ["adagrad", "adadelta", "adam", "adamw", "adamax", "adabelief", "adan",
                                        "adafactor"]
    env.update(COMP_WORDS="dlbench compare --experiment ar", COMP_CWORD="3")
    assert runner.invoke(app, [], prog_name="dlbench", env=env).stdout.split() == ["article"]


# --- show on interrupted folders ----------------------------------------------------------------

def test_show_says_when_a_folder_is_interrupted_or_incomplete(tmp_path):
    folder = factory.single_seed(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    assert "Note:" not in invoke("show", folder).stdout
    for state, words in (("interrupted", "was interrupted: 5 of 8 runs finished"),
                         ("running", "is incomplete: its comparison is still running or was killed; 5 of 8 runs")):
        (folder / "config.json").write_text(json.dumps({**config, "state": state, "planned_runs": 8}))
        shown = invoke("show", folder)
        assert shown.exit_code == 0, shown.stderr
        assert words in " ".join(shown.stdout.split()) and f"dlbench resume {folder}" in " ".join(shown.stdout.split())


def test_an_interrupted_tuning_reports_no_chosen_lr(tmp_path):
    folder = factory.tuned(tmp_path)
    tuning = pd.read_csv(folder / "tuning.csv")
    unfinished = (tuning["optimizer"] == "adam")
    tuning.loc[unfinished, "selected"] = False
    tuning = tuning[~unfinished | (tuning["trial"] < 3)]  # 3 of adam's 6 trials finished
    tuning.to_csv(folder / "tuning.csv", index=False)
    shown = invoke("show", folder)
    assert shown.exit_code == 0, shown.stderr
    line = next(l for l in shown.stdout.splitlines() if " adam " in l and "not chosen" in l)
    assert "3 done" in line
    assert "interrupted before every trial finished" in " ".join(shown.stdout.split())
    (md,) = __import__("dlbench.results.export", fromlist=["x"]).EXPORTERS["markdown"](folder)
    tuning_part = md.read_text().split("## Tuning")[1]
    row = next(l for l in tuning_part.splitlines() if l.startswith("| random | adam |"))
    assert "not chosen (interrupted, 3 trials done)" in row
