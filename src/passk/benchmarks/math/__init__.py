"""The math family: GSM8K, MATH500, Minerva, OlympiadBench, AIME, AMC, Omni-MATH.

- ``prepare``: loaders (pinned sources, local copies, downloads) → canonical problem records;
- ``gold``: the gold answer and question text of a source record;
- ``latex``: the last ``\\boxed{}`` and the answer normal form shared by gold and extraction;
- ``answers``: which string of a completion is its answer (the paper's rules);
- ``checker``: Math-Verify in killable worker processes (``worker``), and the family's verifier;
  ``fastpath`` decides pairs of numbers (and closed forms, ``x=5``, lists of them) without it,
  ``speedups`` makes its slow steps faster;
- ``panel``: the verifier panel (``checkers/``: Math-Verify, the paper's grader, a strict checker);
- ``family``: the ``Family`` record the registry lists.

This ``__init__`` imports nothing, so the prepare stage's code version does not include the
checker, nor the verify stage's the loaders.
"""
