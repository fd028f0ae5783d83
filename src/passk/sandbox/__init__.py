"""Sandboxed execution of untrusted programs (bwrap, docker, process) behind one interface.

The sandbox knows nothing of benchmarks: it runs a command on files and stdin under limits and
hands back what came out. ``base`` is the interface, ``backends`` the registry (``get_sandbox``
is the only way to pick a backend, so an unavailable one is always the same clear ``ConfigError``
naming ``sandbox.backend``, never a silent fallback to weaker isolation), ``settings`` the config
section (one set of defaults: the schema's), ``forkserver`` the in-sandbox program runner that
lets many programs share one sandbox, ``run`` the one way to start a Python script inside.
"""
