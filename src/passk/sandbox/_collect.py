"""Run a command, then hand the named scratch files back to the parent on an inherited fd.

Shipped into the sandbox as a file and run there (``python -I -S _collect.py FD NAME... -- ARGV``)
only when a caller asks for ``collect``: the scratch tmpfs vanishes with the sandbox, so somebody
inside has to read the files before it ends. The command runs without access to FD (it is not
inherited), and what comes back is treated by the parent as untrusted bytes anyway.
Stdlib only; keep it importable without site-packages.
"""

import base64
import json
import os
import subprocess
import sys


def main() -> int:
    """Entry point; returns the command's exit status (or 128+signal)."""
    fd = int(sys.argv[1])
    sep = sys.argv.index("--")
    names = sys.argv[2:sep]
    argv = sys.argv[sep + 1 :]
    os.set_inheritable(fd, False)
    proc = subprocess.run(argv, close_fds=True)
    out = {}
    for name in names:
        try:
            with open(name, "rb") as fh:
                out[name] = base64.b64encode(fh.read()).decode("ascii")
        except OSError:
            continue
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(out))
    rc = proc.returncode
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main())
