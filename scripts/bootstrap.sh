#!/usr/bin/env bash
# Set up darkrecon on a fresh Debian/Ubuntu machine and run one job:
#   bash scripts/bootstrap.sh run     # the main job: `darkrecon run` on the built-in sample
#   bash scripts/bootstrap.sh test    # the full test suite
#   bash scripts/bootstrap.sh bench   # the benchmark table
# Installs what is missing: a C++ compiler, Eigen headers, python3-venv (via apt-get, as root
# or with sudo), a virtual environment in .venv, and the package with the extras the job needs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

job="${1:-run}"
shift || true
PYTHON="${PYTHON:-python3}"

"$PYTHON" - <<'PY' || { echo "darkrecon needs Python >= 3.10 (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
PY

missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
[ -f /usr/include/eigen3/Eigen/Core ] || [ -f /usr/local/include/eigen3/Eigen/Core ] || missing+=(libeigen3-dev)
"$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi
VPY=.venv/bin/python
# This machine's pip configuration may name local package folders that do not exist; pip
# warns about each one on every install. Drop those lines, keep every other message.
quiet_pip() { "$VPY" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
quiet_pip install -q --upgrade pip >/dev/null

case "$job" in
  run) extras="stats,plot,progress" ;;
  test) extras="stats,plot,progress,test" ;;
  bench) extras="stats,plot,progress,bench" ;;
  *) echo "usage: bash scripts/bootstrap.sh run|test|bench [args...]" >&2; exit 2 ;;
esac
echo "bootstrap: installing darkrecon[$extras] (compiles the C++ core)"
quiet_pip install -q ".[$extras]"

case "$job" in
  run) exec .venv/bin/darkrecon run "$@" ;;
  test) exec $VPY -m pytest tests -q "$@" ;;
  bench) exec $VPY bench/run.py "$@" ;;
esac
