# Shared by scripts/run, scripts/test and scripts/bench: a project venv with everything installed.
# Sourced, not run. Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${ZAVA_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
stamp="$VENV/.zava-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing into $VENV (first run takes a minute or two; log: $VENV/install.log)" >&2
  {
    python -m pip install --upgrade pip &&
    # The exact CPU build of torch first: an unpinned torch would pull gigabytes of CUDA.
    python -m pip install "torch==2.13.0" &&
    python -m pip install -e ".[local-embeddings,dev]"
  } > "$VENV/install.log" 2>&1 || { tail -n 40 "$VENV/install.log" >&2; exit 1; }
  touch "$stamp"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
