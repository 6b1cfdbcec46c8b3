"""Reading results folders back (dlbench.results.reader): loading, clear errors, listing."""

import json

import numpy as np
import pandas as pd
import pytest
import results_factory as factory

from dlbench.errors import ConfigError, DlbenchError
from dlbench.optimizers import OPTIMIZERS
from dlbench.results.reader import compute_stats, list_runs, load_results


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return factory.build_all(tmp_path_factory.mktemp("results"))


@pytest.fixture
def folder(tmp_path):
    """A fresh single-seed folder to corrupt."""
    return factory.single_seed(tmp_path)


def test_presets_load_with_their_tables(folders):
    seen = {}
    for name, path in folders.items():
        results = load_results(path)
        assert results.folder == path
        assert results.config["format"] == 1
        assert {"problem", "optimizer", "seed", "epoch", "loss", "accuracy", "test_loss", "lr", "elapsed_s"} <= set(results.curves)
        assert len(results.summary) == results.summary[["problem", "optimizer", "seed"]].drop_duplicates().shape[0]
        assert results.stats is not None
        seen[name] = results
    assert seen["tuned"].tuning is not None and seen["single_seed"].tuning is None
    assert seen["multi_problem"].profile is not None and seen["single_seed"].profile is None
    assert seen["multi_problem"].problems == ["random", "xor", "circles"]
    assert seen["multi_seed"].seeds == 3 and seen["single_seed"].seeds == 1
    assert len(seen["multi_seed"].optimizers) >= 17
    assert seen["with_test"].has_test and not seen["single_seed"].has_test
    assert seen["diverged"].summary["diverged"].dtype == bool
    assert seen["diverged"].summary["diverged"].sum() == 3


def test_optimizers_in_registry_order_then_unknown_labels_sorted(folders):
    registry = list(OPTIMIZERS)
    assert load_results(folders["multi_seed"]).optimizers == registry
    labels = load_results(folders["with_test"]).optimizers
    assert labels == ["sgd", "adam", "lion", "my_adam_v2"]


def test_old_folder_without_format_or_problem_column_loads(tmp_path):
    results = load_results(factory.old_format(tmp_path))
    assert "format" not in results.config
    assert set(results.curves["problem"]) == {"random"} and set(results.summary["problem"]) == {"random"}
    assert results.curves["test_loss"].isna().all()
    assert results.stats is None
    stats = results.aggregate()
    assert sorted(stats["optimizer"]) == ["adam", "gd"]
    expected = results.summary.set_index("optimizer")["final_loss"]
    assert stats.set_index("optimizer")["final_loss_mean"].to_dict() == pytest.approx(expected.to_dict())
    assert results.aggregate() is stats  # computed once


def test_compute_stats_is_the_stats_module(folders):
    from dlbench.study.stats import aggregate

    results = load_results(folders["multi_seed"])
    pd.testing.assert_frame_equal(compute_stats(results.summary), aggregate(results.summary))
    # and what the folder holds reads back as written
    pd.testing.assert_frame_equal(results.stats, aggregate(results.summary), check_dtype=False)


def test_stats_leave_diverged_runs_out(folders):
    results = load_results(folders["diverged"])
    stats = compute_stats(results.summary).set_index("optimizer")
    assert stats.loc["rprop", "diverged"] == 2 and np.isnan(stats.loc["rprop", "final_loss_mean"])
    adam = results.summary[(results.summary["optimizer"] == "adam") & ~results.summary["diverged"]]
    assert stats.loc["adam", "diverged"] == 1 and stats.loc["adam", "final_loss_mean"] == adam["final_loss"].item()
    assert stats.loc["gd", "diverged"] == 0 and np.isfinite(stats.loc["gd", "final_loss_mean"])


# --- errors -------------------------------------------------------------------------------------

def _error(path) -> str:
    with pytest.raises(DlbenchError) as info:
        load_results(path)
    assert not isinstance(info.value, ConfigError)  # a runtime error: exit status 1
    assert info.value.exit_code == 1
    return str(info.value)


def test_missing_folder(tmp_path):
    assert "no such folder" in _error(tmp_path / "nope")


def test_not_a_folder(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    assert "not a folder" in _error(tmp_path / "file.txt")


def test_no_config(folder):
    (folder / "config.json").unlink()
    assert "no config.json" in _error(folder)


def test_config_not_json(folder):
    (folder / "config.json").write_text('{"experiment": {"name": "x",}\n')
    message = _error(folder)
    assert "config.json is not valid JSON" in message and "line 1" in message


def test_config_not_an_object(folder):
    (folder / "config.json").write_text("[1, 2]")
    assert "holds a list" in _error(folder)


@pytest.mark.parametrize("fmt", [2, "1", None, True])
def test_unknown_format(folder, fmt):
    config = json.loads((folder / "config.json").read_text())
    config["format"] = fmt
    (folder / "config.json").write_text(json.dumps(config))
    message = _error(folder)
    assert f"format {fmt!r}" in message and "reads format 1" in message


def test_missing_format_is_format_1(folder):
    config = json.loads((folder / "config.json").read_text())
    del config["format"]
    (folder / "config.json").write_text(json.dumps(config))
    assert len(load_results(folder).summary) == 5


@pytest.mark.parametrize("name", ["summary.csv", "curves.csv"])
def test_missing_table(folder, name):
    (folder / name).unlink()
    assert f"{name} is missing" in _error(folder)


def test_empty_table(folder):
    (folder / "summary.csv").write_text("")
    assert "summary.csv is empty" in _error(folder)


def test_unparsable_table(folder):
    (folder / "curves.csv").write_text('optimizer,seed,epoch,loss\nadam,0,0,"0.5\nadam,0,1,0.4\n')
    assert "curves.csv cannot be parsed as CSV" in _error(folder)


def test_missing_columns_are_named(folder):
    frame = pd.read_csv(folder / "curves.csv").drop(columns=["loss", "epoch"])
    frame.to_csv(folder / "curves.csv", index=False)
    message = _error(folder)
    assert "curves.csv misses the column(s) epoch, loss" in message


def test_missing_columns_of_an_optional_table(folder):
    pd.DataFrame({"optimizer": ["adam"], "tau": [1.0]}).to_csv(folder / "profile.csv", index=False)
    assert "profile.csv misses the column(s) rho" in _error(folder)


def test_non_numeric_value_is_located(folder):
    frame = pd.read_csv(folder / "summary.csv")
    frame["final_loss"] = frame["final_loss"].astype(object)
    frame.loc[2, "final_loss"] = "oops"
    frame.to_csv(folder / "summary.csv", index=False)
    message = _error(folder)
    assert "summary.csv, column final_loss" in message and "'oops'" in message and "row 3" in message


# --- listing ------------------------------------------------------------------------------------

def _set_final_losses(folder, losses, default=0.6):
    """Rewrite summary.csv's ``final_loss`` (and ``diverged``) with constructed values:
    ``losses[(problem, optimizer)]`` lists one value per seed, ``"diverged"`` marking a diverged seed."""
    summary = pd.read_csv(folder / "summary.csv")
    for i, row in summary.iterrows():
        value = losses.get((row["problem"], row["optimizer"]), [default] * (row["seed"] + 1))[row["seed"]]
        summary.loc[i, "diverged"] = value == "diverged"
        summary.loc[i, "final_loss"] = 1e35 if value == "diverged" else value
    summary.to_csv(folder / "summary.csv", index=False)


def test_list_runs_newest_first_with_best(tmp_path):
    root = tmp_path / "results"
    paths = factory.build_all(root)
    # Constructed final losses, so that the best optimizer (lowest mean final loss, a diverged seed
    # counting as infinitely bad) is known by construction.
    single_best = factory.ALL[2]
    _set_final_losses(paths["single_seed"], {("random", single_best): [0.1]})
    _set_final_losses(paths["multi_problem"], {
        ("random", "adam"): [0.10, 0.30],  # mean 0.2: the best mean ...
        ("random", "sgd"): [0.05, 0.50],  # ... though sgd has the best single seed (mean 0.275)
        ("xor", "rprop"): [0.15, 0.15],
        ("circles", "lbfgs"): [0.01, "diverged"],  # lowest loss, but one seed diverged
        ("circles", "gd"): [0.2, 0.2],
    })
    _set_final_losses(paths["diverged"], {
        ("random", "adam"): [0.01, "diverged"], ("random", "rprop"): ["diverged", "diverged"],
        ("random", "lion"): [0.2, 0.3], ("random", "sgd"): [0.3, 0.5], ("random", "gd"): [0.4, 0.4],
    })
    runs = list_runs(root)
    assert list(runs.columns) == ["id", "date", "command", "problems", "optimizers", "best", "path", "error"]
    assert list(runs["id"]) == sorted((p.name for p in paths.values()), reverse=True)
    assert list(runs["date"]) == sorted(runs["date"], reverse=True)
    assert (runs["error"] == "").all()
    by_id = runs.set_index("id")
    assert by_id.loc[paths["single_seed"].name, "best"] == single_best
    assert by_id.loc[paths["multi_seed"].name, "optimizers"] == len(factory.ALL)  # every registered optimizer
    suite = by_id.loc[paths["multi_problem"].name]
    assert suite["problems"] == "random, xor, circles"
    assert suite["best"] == "random: adam, xor: rprop, circles: gd"
    assert by_id.loc[paths["diverged"].name, "best"] == "lion"  # adam's 0.01 does not count: a seed diverged
    assert by_id.loc[paths["single_seed"].name, "command"].startswith("dlbench compare")


def test_list_runs_survives_bad_folders(tmp_path):
    root = tmp_path / "results"
    good = factory.single_seed(root)
    bad_json = factory.multi_seed(root)
    (bad_json / "config.json").write_text("{not json")
    no_csv = factory.tuned(root)
    (no_csv / "curves.csv").unlink()
    (root / "20260109-000000-compare-empty").mkdir()
    (root / "README.md").write_text("not a folder")
    runs = list_runs(root).set_index("id")
    assert len(runs) == 4
    assert runs.loc[good.name, "error"] == ""
    assert "not valid JSON" in runs.loc[bad_json.name, "error"]
    assert "curves.csv is missing" in runs.loc[no_csv.name, "error"]
    assert runs.loc[no_csv.name, "command"].startswith("dlbench compare")  # still shown
    assert "no config.json" in runs.loc["20260109-000000-compare-empty", "error"]
    assert runs.index[0] == "20260109-000000-compare-empty"  # dated by its name


def test_list_runs_of_missing_root_is_empty(tmp_path):
    runs = list_runs(tmp_path / "nothing")
    assert runs.empty and "best" in runs.columns
