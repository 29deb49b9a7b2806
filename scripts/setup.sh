#!/usr/bin/env bash
# Set up CityTwin on a fresh Debian 12 machine with Python 3.11: the system libraries the Python
# packages' compiled code needs (below), Python's venv when missing, then a virtual environment in
# .venv with the package and the extras named in $TWIN_EXTRAS (default: test,html,peers,osm), and
# with the test extra the example plug-in examples/citytwin-air.
# Idempotent: a second call only checks, unless pyproject.toml or the extras changed.
#
# System libraries that a bare Debian 12 (debootstrap --variant=minbase) lacks, found with ldd over
# every .so and executable in the installed wheels and with the libraries VTK opens at run time:
#   libegl1, libegl-mesa0, libgl1-mesa-dri  off-screen rendering: VTK's EGL window (pyvista, city.png)
#   libexpat1                               SUMO's tools (also comes with Debian's python3)
#   libgomp1                                numba's OpenMP threading layer
#   libatomic1                              SUMO's netconvert, sumo, duarouter, ... (peers extra)
#   libgl1, libx11-6, libxext6, libxrender1 SUMO's sumo, duarouter, ... link them even without a GUI
# Everything else the wheels link to is bundled in them or in minbase (libc6, libstdc++6, zlib1g).
# With the test extra, also chromium and chromium-driver: the browser that tests/test_viz_present.py
# drives (headless, through selenium) to test `twin present`.
# Checked in a bookworm minbase chroot with python3: after this step ldd resolves every library
# but numba's optional libtbb.so.12 (numba then uses OpenMP, as on the development machines).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
elapsed() { echo "$(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"; }

echo "setup: checking system libraries ..."
ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"  # not on a normal user's PATH on Debian
libraries="$("$ldconfig" -p 2>/dev/null || true)"
need=()
want() {  # want SONAME DEBIAN-PACKAGE: add the package when the dynamic linker cannot find SONAME
  grep -q "^[[:space:]]$1 " <<<"$libraries" || need+=("$2")
}
want libEGL.so.1 libegl1
want libEGL_mesa.so.0 libegl-mesa0
ls /usr/lib/*/dri/*swrast* >/dev/null 2>&1 || need+=(libgl1-mesa-dri)
want libexpat.so.1 libexpat1
want libgomp.so.1 libgomp1
want libatomic.so.1 libatomic1
want libGL.so.1 libgl1
want libX11.so.6 libx11-6
want libXext.so.6 libxext6
want libXrender.so.1 libxrender1
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [[ ",${TWIN_EXTRAS:-test,html,peers,osm}," == *",test,"* ]]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages (about 1 min): ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

extras="${TWIN_EXTRAS:-test,html,peers,osm}"
project_hash="$(cat pyproject.toml examples/citytwin-air/pyproject.toml | sha256sum | cut -c1-16)"
stamp=".venv/.installed-${project_hash}-${extras//,/_}"
if [ -f "$stamp" ]; then
  echo "setup: .venv is up to date for extras ${extras} (nothing to install)"
else
  if [ -x .venv/bin/python ]; then
    echo "setup: updating .venv for extras ${extras} (about 1-3 min) ..."
  else
    echo "setup: creating .venv and installing Python packages for extras ${extras}" \
         "(about 3-5 min the first time on 2 cores, mostly downloads) ..."
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  plugin=()  # the tests install the example plug-in (docs/extending.md)
  if [[ ",${extras}," == *,test,* ]]; then plugin=(-e examples/citytwin-air); fi
  .venv/bin/python -m pip install --disable-pip-version-check -e ".[${extras}]" "${plugin[@]}"
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-${project_hash}-*" -delete
  echo "setup: compiling the numba kernels once into their cache (about 1 min on 2 cores) ..."
  .venv/bin/twin warmup
  touch "$stamp"
fi
echo "setup: done in $(elapsed)"
