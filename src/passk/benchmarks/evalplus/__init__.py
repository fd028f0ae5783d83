"""The EvalPlus family: HumanEval+ and MBPP+.

- ``prepare``: release files → canonical problem records (inputs kept in the release's JSON form);
- ``groundtruth``: expected outputs and runtimes from the canonical solutions, run in our sandbox;
- ``harness``: the in-sandbox driver of one program over every test (stdlib only);
- ``extract``: the program of a sample (evalplus's sanitizer after the prompt's fence);
- ``execute``: task plans, one program alone or many through the fork server, the judgement;
- ``verify``: the family's verifier; ``family``: the record the registry lists.

This ``__init__`` imports nothing (see ``passk.pipeline.versions``).
"""
