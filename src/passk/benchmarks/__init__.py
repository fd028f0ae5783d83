"""Benchmark families: one package each, holding everything about the family.

A family package (``math``, ``evalplus``, ``livecodebench``) holds its loader (``prepare``), its
answer or program extraction, its verifier and its in-sandbox harness, and builds one
``passk.verify.family.Family`` in its ``family`` module; ``registry`` lists them. A new family is
one new folder and one line in ``registry``.

This ``__init__`` imports nothing: importing one family must not import the others (a stage's
code version is the hash of what it imports; see ``passk.pipeline.versions``).
"""
