# Image of the passk `docker` sandbox backend: Python 3 and numpy (some evalplus tasks import it),
# nothing else. Two ways to build it:
#   docker build -f docker/sandbox.Dockerfile -t passk-sandbox:latest docker/      (pulls python:3.11-slim)
#   docker/build-local.sh                                                          (no registry: a
#     debootstrap root file system from Debian's mirror, imported as the base)
# Runs as uid 65534; the backend adds network none, a read-only root, a tmpfs /tmp and
# memory/pids limits at run time.
ARG BASE=python:3.11-slim
FROM ${BASE}
COPY requirements-sandbox.txt /tmp/requirements-sandbox.txt
# A base that already has numpy (the local one) needs no package index.
RUN python3 -c "import numpy" 2>/dev/null || pip install --no-cache-dir -r /tmp/requirements-sandbox.txt
USER 65534:65534
WORKDIR /tmp
