"""What Python-Markdown alone costs a full build: the CPU no tuning of socialgit can remove.

    .venv/bin/python bench/markdown_floor.py [--posts 10000] [--runs 3]

Converts every post body of the corpus in this one process, the way the build does
(split into thread parts, one reused Markdown instance with the site's extensions),
and once more with no extension at all; prints the median CPU seconds of the runs and
the wall time that would be on every core of the machine with perfect sharing. A full
build cannot take less than that: set it beside Hugo's whole build (bench_build.py,
same session), which is the issue's "no slower than Hugo" goal.
"""

from __future__ import annotations

import os
import sys

import markdown

from common import REPO, cpu_runs, machine, markdown_bodies, median, save

sys.path.insert(0, str(REPO))
from socialgit import plaintext  # noqa: E402  (the checkout's code, as the build runs it)
from socialgit.site.render import BodyRenderer  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    args, root, bodies = markdown_bodies(__doc__.split("\n")[0], argv)
    site = BodyRenderer()
    bare = markdown.Markdown()

    def plain(body: str) -> str:
        bare.reset()
        return bare.convert(body)

    cores = os.cpu_count() or 1
    results = {
        "the site's extensions (as the build)": cpu_runs(lambda b: site.render_parts(plaintext.split_thread(b) or [""]),
                                                     bodies, args.runs),
        "no extension": cpu_runs(plain, bodies, args.runs),
    }
    average = sum(map(len, bodies)) / len(bodies)
    lines = [f"{len(bodies):,} bodies ({average:,.0f} characters on average) of {root}, {args.runs} runs", "",
             machine(), "", "| Markdown | CPU, median (range) | a body | on all {} cores at best |".format(cores),
             "|---|---|---|---|"]
    for name, runs in results.items():
        lines.append(f"| {name} | {median(runs):.2f} s ({min(runs):.2f}–{max(runs):.2f}) | "
                     f"{1000 * median(runs) / len(bodies):.2f} ms | {median(runs) / cores:.2f} s |")
    print("\n".join(lines))
    save(f"markdown-{args.posts}", {name: runs for name, runs in results.items()})


if __name__ == "__main__":
    main()
