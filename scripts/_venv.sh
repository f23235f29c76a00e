# Shared by scripts/run and scripts/test: make .venv and install a requirements file
# into it, skipping pip when nothing changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
ensure_venv() {
  local requirements="$1" stamp=".venv/.installed-$1"
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt -newer "$stamp")" ]; then
    .venv/bin/python -m pip install --quiet -r "$requirements"
    touch "$stamp"
  fi
}
