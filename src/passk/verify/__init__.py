"""Verification that no benchmark family owns: what every verifier receives and returns.

- ``family``: the ``Family`` record each benchmark family registers (its prepare, sources and
  verify functions, the payload its problems carry) and the ``VerifyContext`` a verifier gets;
- ``programs``: pulling a program out of a completion (the prompt's prefill put back, fenced
  blocks), shared by the code families;
- ``cache``: the resume cache of a verification job.

The verdict record and its status vocabulary are ``passk.records.verdicts``. Nothing here
imports a family: the families import this.
"""
