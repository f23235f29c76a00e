# Shared by scripts/run and scripts/test: make .venv and install a requirements file
# into it, skipping pip when nothing changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
ensure_venv() {
  local requirements="$1" stamp=".venv/.installed-$1"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt -newer "$stamp")" ]; then
    echo "Installing $requirements into .venv (about a minute the first time)"
    # One line per package, so a first install shows its progress.
    .venv/bin/python -m pip install --progress-bar off -r "$requirements" |
      { grep --line-buffered -E '^(Collecting|Successfully installed)' || true; }
    touch "$stamp"
  fi
}
