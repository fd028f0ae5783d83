"""The visual math family: MathVista and MathVision testmini, free-form problems (paper Fig 4 right).

- ``prepare``: loaders (pinned annotations, local or downloaded images) → canonical problem records
  whose ``images`` name each image file with its sha256;
- ``answers``: the gold's answer type and precision, and the comparison of a boxed answer with it;
- ``checker``: the family's verifier (the last ``\\boxed{}``, compared by ``answers``);
- ``family``: the ``Family`` record the registry lists.

It imports no other family: the box extraction it shares with math lives in ``passk.verify.boxed``.
This ``__init__`` imports nothing.
"""
