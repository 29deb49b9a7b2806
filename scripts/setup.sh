#!/usr/bin/env bash
# Set up CityTwin on a fresh Debian 12 machine with Python 3.11: system libraries for off-screen
# rendering (Mesa EGL) and Python's venv when missing, then a virtual environment in .venv with
# the package and the extras named in $TWIN_EXTRAS (default: test,html,peers,osm).
# Idempotent: a second call only checks, unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"  # not on a normal user's PATH on Debian
"$ldconfig" -p 2>/dev/null | grep -q 'libEGL.so.1' || need+=(libegl1)
"$ldconfig" -p 2>/dev/null | grep -q 'libEGL_mesa.so.0' || need+=(libegl-mesa0)
[ -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ] || [ -e /usr/lib/aarch64-linux-gnu/dri/swrast_dri.so ] \
  || ls /usr/lib/*/dri/*swrast* >/dev/null 2>&1 || need+=(libgl1-mesa-dri)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

extras="${TWIN_EXTRAS:-test,html,peers,osm}"
project_hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp=".venv/.installed-${project_hash}-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[${extras}]"
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-${project_hash}-*" -delete
  touch "$stamp"
fi
