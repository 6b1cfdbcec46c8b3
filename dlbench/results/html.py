"""``report.html``: one self-contained page of a results folder, readable offline.

The page holds the configuration, the figures as inline SVG, and the tables of
:mod:`dlbench.results.export`'s Markdown report (statistics per problem, the profile across
problems, tuning, the per-seed runs), each sortable by clicking a column header (a small inline
script; numbers sort by value, times by their unit). Nothing is fetched: no external script,
style sheet, font or image. ``report.html#sort=T:C:asc`` (or ``desc``) opens the page with table
``T``'s column ``C`` sorted (both from 0), and ``#click=T:C:N`` clicks that column's header ``N``
times as a reader would: that is how the browser test drives the page.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

from .reader import Results, load_results

__all__ = ["export_html", "render_html"]

_PER_SEED_ROWS = 2000  # the per-seed table beyond this many runs is cut (the CSV files have them all)

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1a1a1a;
       margin: 0 auto; max-width: 1500px; padding: 1em 2em 3em; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
p.note { color: #555; max-width: 75em; }
table { border-collapse: collapse; margin: 0.6em 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e5e5e5; text-align: right; white-space: nowrap; }
th { background: #f3f4f6; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #aaa; font-size: 0.8em; }
table.sortable th[aria-sort=ascending]::after { content: " \\25B2"; color: #333; }
table.sortable th[aria-sort=descending]::after { content: " \\25BC"; color: #333; }
td.l, th.l { text-align: left; } tbody tr:hover { background: #f8fafc; }
table.config td { text-align: left; white-space: normal; } table.config td:first-child { font-weight: 600; }
div.wide { overflow-x: auto; }
figure { margin: 1em 0 2em; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.95em; }
code { background: #f3f4f6; padding: 0 0.25em; border-radius: 3px; }
"""

_SCRIPT = r"""
(function () {
  var UNIT = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600};
  function key(text) {
    var t = text.trim().replace(/^\[/, "");
    var m = t.match(/^(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(ns|µs|us|ms|s|min|h)?(?![a-z])/i);
    if (m) { return [0, parseFloat(m[1]) * (m[2] ? UNIT[m[2]] : 1)]; }
    if (/^inf/.test(t)) { return [0, Infinity]; }
    if (t === "" || t === "—" || t === "-") { return [2, 0]; }
    return [1, t.toLowerCase()];
  }
  function sortTable(table, col, dir) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), sign = dir === "desc" ? -1 : 1;
    rows.sort(function (a, b) {
      var x = key(a.cells[col].textContent), y = key(b.cells[col].textContent);
      if (x[0] !== y[0]) { return x[0] - y[0]; }          // numbers, then words, then blanks
      if (x[1] < y[1]) { return -sign; } if (x[1] > y[1]) { return sign; } return 0;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      if (i === col) { th.setAttribute("aria-sort", dir === "desc" ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener("click", function () {
        sortTable(table, i, th.getAttribute("aria-sort") === "ascending" ? "desc" : "asc");
      });
    });
  });
  var m = location.hash.match(/^#sort=(\d+):(\d+):(asc|desc)$/);
  if (m && tables[+m[1]]) { sortTable(tables[+m[1]], +m[2], m[3]); }
  var c = location.hash.match(/^#click=(\d+):(\d+)(?::(\d+))?$/);  // click a header n times, as a reader would
  if (c && tables[+c[1]]) {
    for (var k = 0; k < (c[3] ? +c[3] : 1); k++) { tables[+c[1]].tHead.rows[0].cells[+c[2]].click(); }
  }
  window.dlbenchSort = function (t, c, d) { sortTable(tables[t], c, d); };
})();
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _cell(text) -> str:
    """A configuration cell: Markdown ``code`` spans as <code>, the rest escaped."""
    parts = str(text).split("`")
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


def _table(header: list[str], rows: list[list], left: set[int], sortable: bool = True, caption: str = "") -> str:
    cls = ' class="sortable"' if sortable else ""
    out = [f'<div class="wide"><table{cls}>']
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th{" class=l" if i in left else ""} scope="col">{_e(h)}</th>'
                                        for i, h in enumerate(header)) + "</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f'<td{" class=l" if i in left else ""}>{_e(c)}</td>' for i, c in enumerate(row))
                   + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def _svg(path: Path) -> str:
    """An SVG file's ``<svg>`` element, for inlining (the XML prolog, doctype and RDF metadata dropped)."""
    text = path.read_text(encoding="utf-8")
    start = text.find("<svg")
    if start < 0:
        return ""
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text[start:], count=1, flags=re.S)  # RDF with URLs


def _figures(results: Results) -> list[tuple[str, str]]:
    """``(caption, inline svg)`` of every figure: the folder's own SVG files when they are all
    there, else drawn now into a temporary folder (the results folder is left alone)."""
    from . import figures as plots
    from .export import FIGURES

    captions = dict(FIGURES)
    stems = plots.figure_stems(results)
    if all((results.folder / f"{s}.svg").is_file() for s in stems):
        return [(captions.get(s, s), _svg(results.folder / f"{s}.svg")) for s in stems]
    with tempfile.TemporaryDirectory(prefix="dlbench-html-") as tmp:
        paths = plots.write_figures(results, tmp, formats=("svg",))
        return [(captions.get(p.stem, p.stem), _svg(p)) for p in paths]


def render_html(results: Results | str | Path) -> str:
    """The page as a string (see the module's docstring)."""
    from .export import _configuration, _profile_rows, _stats_rows, _summary_rows, _num

    if not isinstance(results, Results):
        results = load_results(results)
    stats = results.aggregate()
    title = f"{results.name}: optimizer comparison"
    body = [f"<h1>{_e(title)}</h1>"]
    description = (results.config.get("experiment") or {}).get("description")
    if description:
        body.append(f'<p class="note">{_e(description)}</p>')
    body.append("<h2>Configuration</h2>")
    body.append('<table class="config"><tbody>' + "".join(
        f"<tr><td>{_e(k)}</td><td>{_cell(v)}</td></tr>" for k, v in _configuration(results)) + "</tbody></table>")
    for problem in results.problems:
        header, rows = _stats_rows(results, stats, problem)
        heading = "Results" if len(results.problems) == 1 else f"Results on {problem}"
        body.append(f"<h2>{_e(heading)}</h2>")
        body.append(_table(header, rows, {1}))
        measures = "Losses, RMSE and R²" if results.is_regression(problem) else "Losses and accuracy"
        body.append(f'<p class="note">Over {results.seeds} seed(s), best first (click a column header to sort). '
                    f"{measures} on the training set after the last epoch: mean ± sample standard deviation, 95% "
                    "confidence interval of the mean (Student t); diverged runs are counted and left out of the "
                    "other statistics. Train time: mean over seeds of the compiled training loop's wall time; "
                    "'vs fastest': ratio of mean times.</p>")
    if results.profile is not None and not results.profile.empty:
        body.append("<h2>Across problems</h2>")
        body.append(_table(*_profile_rows(results.profile), {0}))
        body.append('<p class="note">ρ(τ): fraction of problems on which the optimizer reached its target within '
                    "τ times the fastest optimizer's time; score: area under ρ from 1 to 4, normalised to [0, 1] "
                    "(AlgoPerf).</p>")
    body.append("<h2>Figures</h2>")
    for caption, svg in _figures(results):
        body.append(f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>")
    if results.tuning is not None and not results.tuning.empty:
        from .figures import tuned_parameters

        tuning = results.tuning
        params = tuned_parameters(results) or ["lr"]
        chosen = tuning[tuning["selected"].astype(bool)] if tuning["selected"].any() else tuning.loc[
            tuning.groupby(["problem", "optimizer"])["val_loss"].idxmin()]
        rows = [[r["problem"], r["optimizer"], *[_num(r[p]) for p in params], _num(r["val_loss"]),
                 int(tuning[(tuning["problem"] == r["problem"]) & (tuning["optimizer"] == r["optimizer"])]["diverged"].sum())]
                for _, r in chosen.iterrows()]
        body.append("<h2>Tuning</h2>")
        body.append(_table(["problem", "optimizer", *[f"selected {p}" for p in params], "validation loss",
                            "diverged trials"], rows, {0, 1}))
    header, rows = _summary_rows(results)
    body.append("<h2>Per-seed results</h2>")
    if len(rows) > _PER_SEED_ROWS:
        body.append(f'<p class="note">The first {_PER_SEED_ROWS} of {len(rows)} runs; summary.csv has them all.</p>')
        rows = rows[:_PER_SEED_ROWS]
    body.append(_table(header, rows, {0, 1, 8}))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + f"\n<script>{_SCRIPT}</script>\n</body>\n</html>\n")


def export_html(results: Results | str | Path, to: str | Path | None = None, force: bool = False) -> list[Path]:
    """``report.html`` (into the results folder, or ``to``), written atomically."""
    from .export import _target
    from .writer import write_text_atomic

    if not isinstance(results, Results):
        results = load_results(results)
    path = _target(results, to, "report.html", force)
    page = render_html(results)
    write_text_atomic(path, page)
    return [path]


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?!#|data:)|url\(\s*["']?(?!#|data:)|@import""", re.I)
"""What would make the page fetch something (used by the tests: the page has none)."""
