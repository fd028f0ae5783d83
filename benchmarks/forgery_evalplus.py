"""How many of the forgery suite's EvalPlus programs (``tests/sandbox/forgeries.py``) evalplus 0.3.1's
own checker passes: each program through ``evalplus.eval.untrusted_check`` on its base and its plus
inputs, as ``evalplus.evaluate`` runs it (a sample passes when both pass).

    .venv/bin/python benchmarks/forgery_evalplus.py

Prints one line per forgery and the count. The LiveCodeBench forgeries have no evalplus peer.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(REPO / "tests" / "sandbox"))
    from evalplus.eval import untrusted_check
    from forgeries import FORGERIES, PROBLEMS

    passed = 0
    rows = [f for f in FORGERIES if not f[2].startswith("lcb")]
    for name, technique, problem, code in rows:
        dataset, entry, atol, base, plus, exp_base, exp_plus = PROBLEMS[problem]
        got = []
        for inputs, expected in ((base, exp_base), (plus, exp_plus)):
            status, _ = untrusted_check(dataset, code, inputs, entry, expected, atol, [0.0] * len(inputs), fast_check=True)
            got.append(status)
        ok = all(s == "pass" for s in got)
        passed += ok
        print(f"{name:32s} {technique:22s} evalplus base={got[0]} plus={got[1]} -> {'PASS (forged)' if ok else 'not passed'}")
    print(f"evalplus 0.3.1 passes {passed} of {len(rows)} EvalPlus forgeries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
