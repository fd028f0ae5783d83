"""Sandboxed execution of untrusted programs (bwrap, docker, process) behind one interface.

See ``passk.sandbox.base`` for the interface.
"""
