"""Bad and extreme input over every command (issue 9): each case asserts the exit status, exactly
one line on stderr naming what is wrong, and no traceback; user strings print literally.

Groups: huge counts and integers beyond int64 (refused before anything is allocated, naming the
option), NumPy overflow and underflow (``-W error::RuntimeWarning`` is set for this module: a
leaked warning fails the case), experiment-file keys, CSV shapes, corrupt results folders,
``export --to`` targets, rich markup and control characters in user strings, a full disk while
drawing figures, and a read-only cache.
"""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlbench.cli import app

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

runner = CliRunner()
BIG = str(10**30)
I64 = str(2**63)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result, status, *words):
    """``result`` ended with ``status``, one stderr line containing every word, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == status, (result.exit_code, result.stdout[-500:], result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in lines[0], (word, lines[0])


# --- huge counts, integers beyond int64, values NumPy would overflow on -------------------------

C = ["compare", "gd", "--no-plots"]
R = ["run", "--no-plots"]
HUGE = [
    (C + ["--epochs", 10**12], "--epochs"), (C + ["--epochs", BIG], "--epochs"), (C + ["--epochs", I64], "--epochs"),
    (R + ["--epochs", 10**12], "--epochs"), (R + ["--epochs", I64], "--epochs"),
    (C + ["--samples", 10**10], "--samples"), (C + ["--samples", BIG], "--samples"), (R + ["--samples", 10**10], "--samples"),
    (C + ["--features", 10**9], "--features"), (C + ["--features", BIG], "--features"),
    (R + ["--features", 10**9], "--features"),
    (C + ["--hidden", 10**11], "--hidden"), (C + ["--hidden", f"8,{10**11}"], "--hidden"), (C + ["--hidden", BIG], "--hidden"),
    (R + ["--hidden", 10**11], "--hidden"),
    (C + ["--tune", "lr", "--budget", 10**10], "--budget"), (C + ["--tune", "lr", "--budget", BIG], "--budget"),
    (C + ["--budget", 10**10], "--budget"),
    (C + ["--seeds", 10**12], "--seeds"), (C + ["--seeds", BIG], "--seeds"), (C + ["--seeds", I64], "--seeds"),
    (R + ["--seeds", 10**12], "--seeds"),
    (C + ["--seed", BIG], "--seed"), (C + ["--seed", I64], "--seed"), (R + ["--seed", I64], "--seed"),
    (C + ["--patience", BIG], "--patience"), (C + ["--patience", I64], "--patience"),
    (C + ["--batch-size", BIG], "--batch-size"), (R + ["-o", "minibatch", "--batch-size", BIG], "--batch-size"),
    (C + ["--problem", "blobs", "--classes", BIG], "--classes"), (C + ["--problem", "spirals", "--classes", I64], "--classes"),
    (C + ["--repeat", 10**12], "--repeat"), (C + ["--jobs", 10**12], "--jobs"), (R + ["--jobs", 10**12], "--jobs"),
    (R + ["-o", "lbfgs", "-p", f"history_size={BIG}"], "history_size"),
    (R + ["-o", "lbfgs", "-p", f"history_size={10**12}"], "memory"),
    (R + ["-o", "lbfgs", "-p", f"max_iter={BIG}"], "max_iter"),
    (R + ["-o", "sgd", "--schedule", "step", "--schedule-param", f"step_size={BIG}"], "step_size"),
    (R + ["-o", "sgd", "--schedule", "step", "--schedule-param", f"step_size={I64}"], "step_size"),
    (R + ["-o", "sgd", "--schedule", "cosine-restarts", "--schedule-param", f"t_0={BIG}"], "t_0"),
    (R + ["-o", "nesterov", "-p", "momentum=0"], "momentum"),
    (R + ["-o", "nesterov", "-p", "momentum=0.0", "-p", "weight_decay=0.1"], "momentum"),
    (C + ["--noise", "1e308"], "--noise"), (R + ["--noise", "1e308"], "--noise"),
    *[(C + ["--problem", p, "--noise", n], "--noise") for p in ("xor", "circles", "blobs", "spirals", "regression")
      for n in ("1e308", "1e200", "inf")],
    (C + ["--lr", "inf"], "--lr"), (C + ["--lr", "nan"], "--lr"), (C + ["--lr", "-1"], "--lr"), (C + ["--lr", "0"], "--lr"),
    (C + ["--tol", "nan"], "--tol"), (C + ["--tol", "-1"], "--tol"), (C + ["--tol", "inf"], "--tol"),
    (C + ["--test-fraction", "0"], "--test-fraction"), (C + ["--test-fraction", "1"], "--test-fraction"),
    (C + ["--test-fraction", "nan"], "--test-fraction"), (C + ["--test-fraction", "2"], "--test-fraction"),
    (C + ["--epochs", "0"], "--epochs"), (C + ["--epochs", "-5"], "--epochs"), (C + ["--seeds", "0"], "--seeds"),
    (C + ["--samples", "0"], "--samples"), (C + ["--features", "0"], "--features"), (C + ["--hidden", "-1"], "--hidden"),
    (C + ["--patience", "0"], "--patience"), (C + ["--repeat", "0"], "--repeat"), (C + ["--jobs", "0"], "--jobs"),
    (C + ["--reach", "loss"], "--reach"), (C + ["--reach", "nope=1"], "--reach"), (C + ["--reach", "loss=abc"], "--reach"),
    (C + ["--tune", "lr", "--budget", "huge"], "--budget"), (C + ["--tune", "lr", "--budget", "0"], "--budget"),
    (C + ["--task", "nope"], "--task"), (C + ["--activation", "nope"], "--activation"), (C + ["--loss", "nope"], "--loss"),
    (C + ["--problem", "regression", "--loss", "bce"], "loss"), (C + ["--target", "y"], "--target"),
    (R + ["-p", "nope=1"], "nope"), (R + ["-p", "novalue"], "--param"), (R + ["-o", "adam", "-p", "beta1=2"], "beta1"),
    (R + ["-o", "sgd", "--schedule", "step", "--schedule-param", "step_size=-1"], "step_size"),
    (R + ["--schedule-param", "x"], "--schedule-param"),
    (["bench", "--epochs", 10**12], "--epochs"), (["bench", "--epochs", BIG], "--epochs"),
    (["bench", "--repeats", BIG], "--repeats"), (["bench", "--repeats", "0"], "--repeats"),
    (["bench", "--reference-repeats", "0"], "--reference-repeats"), (["bench", "--reference-repeats", BIG], "--reference-repeats"),
    (["bench", "--jobs", "1"], "--jobs"), (["bench", "--jobs", 10**9], "--jobs"),
    (["bench", "--writing", "100"], "--writing"), (["bench", "--writing", "5,2"], "--writing"),
    (["bench", "--writing", f"1,{BIG}"], "--writing"), (["bench", "--writing", "a,b"], "--writing"),
]


@pytest.mark.parametrize("args,word", HUGE, ids=[" ".join(map(str, a))[:70] for a, _ in HUGE])
def test_bad_or_huge_option_is_one_line_exit_2(tmp_path, args, word):
    out = tmp_path / "out"
    extra = ["--out", out] if args[0] in ("compare", "run") else []
    one_line_error(invoke(*args, *extra), 2, word)
    assert not out.exists() or not any(out.iterdir())  # no results folder left behind


# --- experiment files --------------------------------------------------------------------------

TOML = [
    ("[training]\nepochs = \"x\"\n", "epochs"), ("[training]\nepochs = 0\n", "epochs"),
    ("[training]\nepochs = 9223372036854775807\n", "epochs"), ("[training]\nseeds = 9223372036854775807\n", "seeds"),
    ("[training]\nseeds = -1\n", "seeds"), ("[training]\nseed = -1\n", "seed"), ("[training]\nlr = \"fast\"\n", "lr"),
    ("[training]\nbatch_size = 1.5\n", "batch_size"), ("[training]\npatience = 0\n", "patience"),
    ("[training]\ntest_fraction = 2.0\n", "test_fraction"), ("[training]\nschedule = \"nope\"\n", "nope"),
    ("[training]\nschedule = \"step\"\nschedule_params = { step_size = 0 }\n", "step_size"),
    ("[training]\nnope = 1\n", "nope"), ("[data]\nproblem = \"nope\"\n", "problem"),
    ("[data]\nn_samples = 10000000000\n", "--samples"), ("[data]\nn_features = 1000000000\n", "--features"),
    ("[data]\nnoise = 1e308\nproblem = \"xor\"\n", "noise"), ("[data]\nseed = -1\nproblem = \"xor\"\n", "seed"),
    ("[model]\nhidden = 100000000000\n", "hidden"), ("[model]\nhidden = [8, \"x\"]\n", "hidden"),
    ("[model]\nactivation = \"nope\"\n", "activation"), ("[model]\ninit = \"nope\"\n", "init"),
    ("[model]\nloss = \"nope\"\n", "loss"), ("[model]\nhidden = 8\nn_hidden = 8\n", "n_hidden"),
    ("[experiment]\nruns = \"some\"\n", "runs"), ("[experiment]\nname = 3\n", "name"), ("[nope]\nx = 1\n", "nope"),
    ("[[runs]]\nlabel = \"x\"\n", "optimizer"), ("[[runs]]\noptimizer = \"nope\"\n", "nope"),
    ("[[runs]]\noptimizer = \"gd\"\n[[runs]]\noptimizer = \"gd\"\n", "gd"),
    ("[[runs]]\noptimizer = \"nesterov\"\nhyperparameters = { momentum = 0.0 }\n", "momentum"),
    ("[[runs]]\noptimizer = \"lbfgs\"\nhyperparameters = { history_size = 9223372036854775807 }\n", "history_size"),
    ("[[runs]]\noptimizer = \"gd\"\nnope = 1\n", "nope"),
    ("[[problems]]\nname = \"a\"\nproblem = \"xor\"\n[[problems]]\nname = \"a\"\nproblem = \"xor\"\n", "a"),
    ("[[problems]]\nname = \"a\"\nproblem = \"xor\"\nnoise = 1e308\n", "noise"),
    ("[[problems]]\nname = \"a\"\nproblem = \"nope\"\n", "problem"),
    ("[tuning]\nbudget = 10000000000\nparameter = \"lr\"\n", "budget"),
    ("this is = not [toml\n", "TOML"), ("", None),
]


@pytest.mark.parametrize("text,word", TOML, ids=[f"toml{i}" for i in range(len(TOML))])
def test_bad_experiment_file(tmp_path, text, word):
    path = tmp_path / "e.toml"
    path.write_text(text)
    epochs = [] if "epochs" in text else ["--epochs", 2]
    result = invoke("compare", "--experiment", path, *epochs, "--no-plots", "--out", tmp_path / "out") if word \
        else invoke("compare", "--experiment", tmp_path / "missing.toml", "--out", tmp_path / "out")
    one_line_error(result, 2, *([word] if word else ["not found"]))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_experiment_file_is_a_folder(tmp_path):
    one_line_error(invoke("compare", "--experiment", tmp_path, "--out", tmp_path / "o"), 2)


# --- CSV data ----------------------------------------------------------------------------------

def _rows(n, value="1.0"):
    return "".join(f"{value},{i % 2}\n" if value else f"{i * 0.5},{i % 2}\n" for i in range(n))


CSV = [
    ("", "empty"), ("a,y\n", "row"), ("a,y\n1,0\n", "row"), ("a,b\n1,0\n2,1\n", "'y'"), ("y\n0\n1\n", "feature"),
    ("a,y\nx,0\n2,1\n", "'a'"), ("a,y\n,0\n2,1\n", "'a'"), ("a,y\nnan,0\n2,1\n", "'a'"), ("a,y\ninf,0\n2,1\n", "'a'"),
    ("a,y\n1e308,0\n-1e308,1\n3,0\n", "'a'"), ("a,y\n-1e308,0\n1e308,1\n", "'a'"), ("a,y\n1e200,0\n2,1\n", "'a'"),
    ("a,y\n1e-310,0\n2e-310,1\n3e-310,0\n", "'a'"), ("a,y\n5e-324,0\n0,1\n", "'a'"),
    ("a,b,y\n1,1e-320,0\n2,0,1\n3,1e-320,1\n", "'b'"), ("a,a,y\n1,2,0\n3,4,1\n", "duplicate"),
    ("a,y\n1,0,5\n2,1\n", None), ("a,y\n1,\n2,1\n", "'y'"), ("a;y\n1;0\n2;1\n", "'y'"),
]


@pytest.mark.parametrize("text,word", CSV, ids=[f"csv{i}" for i in range(len(CSV))])
def test_bad_csv(tmp_path, text, word):
    path = tmp_path / "d.csv"
    path.write_text(text)
    result = invoke("compare", "gd", "--data", path, "--target", "y", "--epochs", 2, "--no-plots", "--out", tmp_path / "o")
    one_line_error(result, 2, *([word] if word else []))
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_regression_target_of_1e308(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n1,1e308\n2,-1e308\n3,0.5\n4,0.25\n")
    one_line_error(invoke("compare", "gd", "--data", path, "--target", "y", "--task", "regression", "--epochs", 2,
                          "--no-plots", "--out", tmp_path / "o"), 2, "'y'")


@pytest.mark.parametrize("kind", ["missing", "folder", "binary"])
def test_unreadable_csv(tmp_path, kind):
    path = tmp_path / "d.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00\x01" * 50)
    one_line_error(invoke("compare", "gd", "--data", path, "--target", "y", "--epochs", 2, "--out", tmp_path / "o"), 2)


# --- corrupt results folders -------------------------------------------------------------------

@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """One real tuned, two-seed comparison's folder."""
    root = tmp_path_factory.mktemp("good")
    result = invoke("compare", "gd", "adam", "--epochs", 5, "--seeds", 2, "--tune", "lr", "--budget", 3, "--no-plots",
                    "--out", root)
    assert result.exit_code == 0, result.output
    return next(root.iterdir())


def _cut(path: Path, how: str):
    data = path.read_bytes()
    if how == "mid-line":
        path.write_bytes(data[: len(data) - 7])
    elif how == "last-line":
        path.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 1])
    elif how == "header-only":
        path.write_bytes(data[: data.find(b"\n") + 1])
    elif how == "empty":
        path.write_bytes(b"")


def _config(folder: Path, **changes):
    config = json.loads((folder / "config.json").read_text())
    for key, value in changes.items():
        if "." in key:
            a, b = key.split(".")
            config[a][b] = value
        else:
            config[key] = value
    (folder / "config.json").write_text(json.dumps(config))


CORRUPT = [
    *[(name, how) for name in ("curves.csv", "summary.csv", "stats.csv") for how in ("mid-line", "last-line", "header-only")],
    ("curves.csv", "empty"), ("summary.csv", "empty"), ("curves.csv", "delete"), ("summary.csv", "delete"),
    ("config.json", "delete"), ("config.json", "not-json"), ("config.json", "list"),
    ("config.json", {"experiment": 3}), ("config.json", {"timing": "x"}), ("config.json", {"runs": 5}),
    ("config.json", {"seeds": "2"}), ("config.json", {"problems": {}}), ("config.json", {"timing.compile_seconds": "x"}),
    ("config.json", {"timing.repeats": "3"}), ("config.json", {"experiment": {"epochs": 5, "nope": 1, "problems": [3]}}),
    ("config.json", {"format": 99}), ("config.json", {"datasets": [1]}),
    ("summary.csv", "non-numeric"), ("curves.csv", "drop-column"),
]


def _damage(folder: Path, name: str, how):
    path = folder / name
    if isinstance(how, dict):
        _config(folder, **how)
    elif how == "delete":
        path.unlink()
    elif how == "not-json":
        path.write_text("{not json")
    elif how == "list":
        path.write_text("[1, 2]")
    elif how == "non-numeric":
        lines = path.read_text().splitlines()
        cells = lines[1].split(",")
        cells[8] = "abc"
        lines[1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n")
    elif how == "drop-column":
        lines = path.read_text().splitlines()
        path.write_text("\n".join(",".join(line.split(",")[:3]) for line in lines) + "\n")
    else:
        _cut(path, how)


@pytest.mark.parametrize("command", ["show", "export"])
@pytest.mark.parametrize("name,how", CORRUPT, ids=[f"{n}-{h}" for n, h in CORRUPT])
def test_corrupt_folder_names_the_file(tmp_path, good, command, name, how):
    folder = tmp_path / good.name
    shutil.copytree(good, folder)
    _damage(folder, name, how)
    args = ["export", folder, "--format", "json"] if command == "export" else ["show", folder]
    one_line_error(invoke(*args), 1, name if how != "delete" or name != "config.json" else "config.json")


def test_runs_lists_a_corrupt_folder_with_its_file(tmp_path, good):
    shutil.copytree(good, tmp_path / good.name)
    _cut(tmp_path / good.name / "summary.csv", "mid-line")
    result = invoke("runs", "--out", tmp_path)
    assert result.exit_code == 0 and not result.stderr and "summary.csv" in result.stdout


@pytest.mark.parametrize("target", ["config.json", "summary.csv", "curves.csv", "stats.csv", "tuning.csv"])
def test_export_never_overwrites_a_results_file(tmp_path, good, target):
    folder = tmp_path / good.name
    shutil.copytree(good, folder)
    before = (folder / target).read_bytes()
    for force in ([], ["--force"]):
        one_line_error(invoke("export", folder, "--format", "markdown", "--to", folder / target, *force), 1, target)
    assert (folder / target).read_bytes() == before
    assert invoke("show", folder).exit_code == 0


def test_export_refuses_an_existing_target_unless_forced(tmp_path, good):
    target = tmp_path / "report.md"
    target.write_text("mine")
    one_line_error(invoke("export", good, "--format", "json", "--to", target), 1, "--force")
    assert target.read_text() == "mine"
    assert invoke("export", good, "--format", "json", "--to", target, "--force").exit_code == 0
    assert target.read_text().startswith("{")


@pytest.mark.parametrize("args", [["show", "/nonexistent/x"], ["export", "/nonexistent/x"], ["resume", "/nonexistent/x"],
                                  ["runs", "--out", "/nonexistent/x"]])
def test_missing_folder(args):
    one_line_error(invoke(*args), 1)


def test_resume_refuses_a_finished_folder_another_version_and_changed_data(tmp_path, good):
    one_line_error(invoke("resume", good), 1, "complete")
    folder = tmp_path / good.name
    shutil.copytree(good, folder)
    _config(folder, state="interrupted", **{"resume.dlbench": "0.0.1"})
    one_line_error(invoke("resume", folder), 1, "0.0.1")
    _config(folder, **{"resume.dlbench": json.loads((good / "config.json").read_text())["resume"]["dlbench"],
                       "resume.data_sha256": {"random": "0" * 64}})
    one_line_error(invoke("resume", folder), 1, "changed")
    _config(folder, resume=None)
    one_line_error(invoke("resume", folder), 1, "resume")


# --- user strings are shown literally -----------------------------------------------------------

LABELS = ["[/red]", "x [red]y[/red]", "[bold]b", "a\\[b]", "$x^2$ and $y$"]


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    root = tmp_path_factory.mktemp("labels")
    runs = "".join(f'[[runs]]\noptimizer = "gd"\nlabel = {json.dumps(label)}\n' for label in LABELS)
    runs += '[[runs]]\noptimizer = "adam"\nlabel = "esc\\u001b[31mred\\u0007"\n'
    path = root / "e.toml"
    path.write_text('[experiment]\nname = "[red]exp[/red]"\n[[problems]]\nname = "p [/b]"\nproblem = "xor"\n'
                    f"[training]\nepochs = 3\n{runs}")
    result = invoke("compare", "--experiment", path, "--out", root / "out")
    assert result.exit_code == 0, (result.output, result.stderr)
    return result, next((root / "out").iterdir())


@pytest.mark.parametrize("label", LABELS + ["esc[31mred", "[red]exp[/red]", "p [/b]"])
def test_markup_prints_literally(labelled, label):
    result, folder = labelled
    for out in (result.stdout, invoke("show", folder).stdout):
        assert label in out, label
        assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize("command", [["show"], ["show", "--plots"], ["export", "--format", "markdown"],
                                     ["export", "--format", "latex"]])
def test_commands_on_a_folder_with_markup_labels(labelled, command):
    _, folder = labelled
    result = invoke(command[0], folder, *command[1:])
    assert result.exit_code == 0 and not result.stderr, (result.stdout, result.stderr)


def test_markup_in_folder_and_file_names(tmp_path):
    data = tmp_path / "d[red]x[bold].csv"
    data.write_text("a,b,y\n" + "".join(f"{i * 0.1},{(i * 7) % 5},{i % 2}\n" for i in range(20)))
    out = tmp_path / "o[/red]"
    result = invoke("compare", "gd", "--data", data, "--target", "y", "--epochs", 2, "--no-plots", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "d[red]x[bold]" in result.stdout and "o[/red]" in result.stdout
    result = invoke("runs", "--out", out)
    assert result.exit_code == 0 and "o[/red]" in result.stdout


# --- full disk, read-only cache -----------------------------------------------------------------

@pytest.mark.parametrize("command", [["show", "--plots"], ["export", "--format", "markdown"]])
def test_full_disk_while_drawing_keeps_the_results(tmp_path, good, monkeypatch, command):
    import errno

    from matplotlib.figure import Figure

    folder = tmp_path / good.name
    shutil.copytree(good, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full)
    one_line_error(invoke(command[0], folder, *command[1:]), 1, "No space left on device", "kept")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing lost, no partial file
    monkeypatch.undo()
    assert invoke("show", folder).exit_code == 0


def test_compare_with_a_full_disk_for_figures(tmp_path, monkeypatch):
    import errno

    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
    result = invoke("compare", "gd", "--epochs", 3, "--out", tmp_path)
    one_line_error(result, 1, "No space left", "kept")
    folder = next(tmp_path.iterdir())
    assert invoke("show", folder).exit_code == 0


def test_read_only_cache_falls_back_to_a_temporary_cache(tmp_path, monkeypatch):
    from dlbench.cli import _cachedir

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "ro"))
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    monkeypatch.setattr(_cachedir, "writable", lambda p: False)
    note = _cachedir.ensure_cache_dir()
    import os

    assert note and "not writable" in note and os.environ["NUMBA_CACHE_DIR"] != str(tmp_path / "ro")
    assert Path(os.environ["NUMBA_CACHE_DIR"]).is_dir()
    result = invoke("list", "optimizers")
    assert result.exit_code == 0 and "Warning:" in result.stderr and len(result.stderr.strip().splitlines()) == 1
