"""The website: `build` and `serve`."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import click

from ..cli import EXIT_CODES, cli, now_option, parse_now, root_option, shows_progress, user_errors
from ..config import load_config_or_fail
from ..problems import UserError
from ..site.uptodate import BuildResult, site_state


def _out_option(func):
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Where to write the site. Default: site/ in the calendar repository.")(func)


def _run_build(root: Path, out: Path | None, now, drafts: bool, hide_handles: bool = False) -> BuildResult:
    out = Path(out) if out is not None else Path(root) / "site"
    now = now or datetime.now(timezone.utc)
    state = site_state(Path(root), out, drafts, hide_handles)
    done = state.unchanged(now)
    if done is not None:  # the common case in cron and CI: no page model, no template engine loaded
        return done
    from ..site.build import build_site

    return build_site(root, out, now, drafts, hide_handles=hide_handles, state=state)


def _show(result: BuildResult, root: Path) -> str:
    try:
        where = result.out.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        where = result.out
    if result.unchanged:
        return f"{where}/: up to date ({result.pages} pages), nothing changed ({result.seconds:.2f} s)"
    kept = ("; only posts' words changed: their pages and the feeds patched, nothing else read" if result.patched
            else "; only posts changed, pages they cannot change kept" if result.partial else "")
    return (f"{where}/: {result.pages} pages, {result.files} files; rendered {result.rendered}, "
            f"wrote {result.written}, removed {result.removed}{kept} ({result.seconds:.2f} s)")


@cli.command(epilog=EXIT_CODES)
@_out_option
@click.option("--drafts/--no-drafts", default=True, show_default=True,
              help="Show draft posts (a team's own calendar) or leave them out (a public one).")
@click.option("--hide-handles", is_flag=True,
              help="A public build: show commenters as \"a commenter\", without names, handles or links to "
                   "their posts (also [feedback] hide_handles = true in socialgit.toml).")
@root_option
@now_option
@user_errors
@shows_progress
def build(out, drafts, hide_handles, root, now_text):
    """Render the calendar as a static website: month and week grids, the agenda, a page per post,
    channel and campaign pages, the feedback log, the insights page, calendar.ics, feed.xml and posts.json.

    Links are relative, so the folder works from any sub-path and from file://.
    Rebuilds are incremental (cache in .socialgit/, safe to delete): only changed pages are written,
    and when only posts were edited or committed, no page they cannot change is even read again;
    an edit of a post's words alone (not its title, time or channels) remakes just its page, its
    event in calendar.ics (and feed.xml if that shows it) and, if check's findings moved, the home page.
    On a terminal, a stage that takes a while shows a progress bar on stderr; in CI (CI=true) or into
    a file or pipe, none.
    """
    config, _ = load_config_or_fail(root)
    now = parse_now(now_text, config.timezone)
    result = _run_build(root, out, now, drafts, hide_handles)
    click.echo(_show(result, root))


@cli.command(epilog=EXIT_CODES)
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@_out_option
@click.option("--drafts/--no-drafts", default=True, show_default=True, help="Show draft posts.")
@root_option
@now_option
@user_errors
def serve(port, out, drafts, root, now_text):
    """Build, serve the site on 127.0.0.1, rebuild when content/, templates/ or socialgit.toml
    change, and reload the open page. Stop with Ctrl-C.
    """
    from ..site.build import build_site
    from ..site.serve import BuildState, make_server, watch

    config, _ = load_config_or_fail(root)
    fixed_now = parse_now(now_text, config.timezone) if now_text else None
    result = shows_progress(_run_build)(root, out, fixed_now, drafts)  # the first build only: the rest are quick
    click.echo(_show(result, root))
    state = BuildState()
    try:
        server = make_server(result.out, port, state)
    except OSError as exc:
        raise UserError(f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror}); "
                        "pick another with --port") from None
    stop = threading.Event()

    def rebuild() -> None:
        try:
            done = build_site(root, out, fixed_now, drafts)
        except UserError as exc:
            click.echo(f"build failed: {exc}", err=True)
            return
        if done.written or done.removed:
            state.bump()
        click.echo(f"{time.strftime('%H:%M:%S')} {_show(done, root)}")

    watcher = threading.Thread(target=watch, args=(root, rebuild, stop), daemon=True)
    watcher.start()
    click.echo(f"Serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
