"""The verifier panel's checkers, one module each with the same names (see ``..panel``):
``mathverify`` (the family's verdict), ``paper`` (the paper's grader reimplemented) and
``strict`` (the last box only, exact after light normalisation).

This ``__init__`` imports nothing (see ``passk.pipeline.versions``).
"""
