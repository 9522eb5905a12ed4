"""What other Markdown renderers would cost the full build: figures for the owners' choice on issue 3.

    .venv/bin/python bench/markdown_peers.py [--posts 10000] [--runs 3]

The full-build goal cannot be met with Python-Markdown (markdown_floor.py). One way
out needs a renderer outside the chosen core. This converts every post body of the
corpus with Python-Markdown (no extension, the floor) and with three well-kept peers
(markdown-it-py, mistune, cmarkgfm: CommonMark in C with the GitHub extensions), each
in one process of bench/work/markdown-venv (made on first use with pip; the project's
own environment is left alone), and prints each one's median CPU seconds and its ratio
to Python-Markdown. Output HTML differs between them (CommonMark against Markdown.pl
rules); this measures cost, not equivalence.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


from common import BENCH, WORK, machine, markdown_bodies, median, save

VENV = WORK / "markdown-venv"
PACKAGES = ["markdown", "markdown-it-py", "mistune", "cmarkgfm"]

# run inside VENV: the bodies from a JSON file, CPU seconds of each run as JSON on stdout
_TIMER = r"""
import json, sys
bodies = json.load(open(sys.argv[1], encoding="utf-8"))
name, runs = sys.argv[2], int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from common import cpu_runs
if name == "python-markdown":
    import markdown
    md = markdown.Markdown()
    def convert(text):
        md.reset()
        return md.convert(text)
elif name == "markdown-it-py":
    from markdown_it import MarkdownIt
    convert = MarkdownIt("commonmark").enable("table").render
elif name == "mistune":
    import mistune
    convert = mistune.create_markdown(plugins=["table"])
elif name == "cmarkgfm":
    import cmarkgfm
    convert = cmarkgfm.github_flavored_markdown_to_html
print(json.dumps(cpu_runs(convert, bodies, runs)))
"""
RENDERERS = ["python-markdown", "markdown-it-py", "mistune", "cmarkgfm"]


def _venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return python


def main(argv: list[str] | None = None) -> None:
    args, root, bodies = markdown_bodies(__doc__.split("\n")[0], argv)
    python = _venv()
    versions = subprocess.run([str(python), "-m", "pip", "list", "--format", "json"], check=True,
                              capture_output=True, text=True).stdout
    shown = {p["name"].lower(): p["version"] for p in json.loads(versions)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        json.dump(bodies, handle)
    try:
        results = {}
        for name in RENDERERS:
            timed = [str(python), "-c", _TIMER, handle.name, name, str(args.runs), str(BENCH)]
            results[name] = json.loads(subprocess.run(timed, check=True, capture_output=True, text=True).stdout)
    finally:
        os.unlink(handle.name)
    floor = median(results["python-markdown"])
    cores = os.cpu_count() or 1
    lines = [f"{len(bodies):,} bodies of {root}, {args.runs} runs each, in {VENV}", "", machine(), "",
             f"| renderer | version | CPU, median (range) | a body | on all {cores} cores at best | × Python-Markdown |",
             "|---|---|---|---|---|---|"]
    for name, runs in results.items():
        version = shown.get("markdown" if name == "python-markdown" else name, "?")
        lines.append(f"| {name} | {version} | {median(runs):.2f} s ({min(runs):.2f}–{max(runs):.2f}) | "
                     f"{1000 * median(runs) / len(bodies):.2f} ms | {median(runs) / cores:.2f} s | "
                     f"{median(runs) / floor:.2f} |")
    print("\n".join(lines))
    save(f"markdown-peers-{args.posts}", results)


if __name__ == "__main__":
    main()
