"""Run `socialgit` and SIGKILL itself at a chosen step, to prove exactly-once under crashes.

    python tests/crash/runner.py STEP socialgit-args…

STEP is one of: after-pending (the pending receipt is committed, the request not
sent), after-response (the network answered, the receipt not yet updated),
before-commit (the final receipt is written but not committed), none.
"""

import os
import signal
import sys

from socialgit import gitrepo, publish
from socialgit.cli import main


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


step = sys.argv.pop(1)
commit_paths = gitrepo.commit_paths
finish = publish.Runner._finish


def commit_then_maybe_die(root, paths, message, *args, **kwargs):
    if step == "before-commit" and message.endswith(" published"):
        die()
    done = commit_paths(root, paths, message, *args, **kwargs)
    if step == "after-pending" and message.startswith("publish: pending"):
        die()
    return done


def finish_or_die(self, post, name, receipt):
    if step == "after-response":
        die()
    return finish(self, post, name, receipt)


gitrepo.commit_paths = commit_then_maybe_die
publish.Runner._finish = finish_or_die
sys.argv[0] = "socialgit"
main()
