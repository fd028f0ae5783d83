"""Exit 1 (and say what differs) unless two EvalPlus ground truths recorded the same thing.

``.ci/run`` builds the smoke workflow's ground truths as an unprivileged user from a clone under
/tmp and as root, and compares them here (issue 11): same problems, same expected outputs, same
kept and dropped inputs, and no drops beyond Mbpp/255's. ``groundtruth_differences`` says what is
compared and why::

    python tests/workflow/same_groundtruth.py A.jsonl.zst B.jsonl.zst [A2.jsonl.zst B2.jsonl.zst ...]
"""

from __future__ import annotations

import sys

from passk.benchmarks.evalplus.groundtruth import groundtruth_differences


def main(paths: list[str]) -> int:
    if not paths or len(paths) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    bad = 0
    for a, b in zip(paths[::2], paths[1::2]):
        diffs = groundtruth_differences(a, b)
        print(f"{a} against {b}: " + ("the same" if not diffs else f"{len(diffs)} differences"))
        for line in diffs:
            print(f"  {line}")
        bad += bool(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
