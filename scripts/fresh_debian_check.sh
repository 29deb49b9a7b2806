#!/usr/bin/env bash
# Check the README's two commands the way a newcomer meets them: a bare Debian 12 (bookworm,
# debootstrap --variant=minbase) with only python3, git, sudo and ca-certificates added, a non-root
# user with passwordless sudo, a `git clone` of the project (committed files only, nothing beside
# it), then `./scripts/baseline.sh` and `./scripts/test.sh -rfEs` run as that user and timed.
# Whatever the set-up forgets to install (a system library, python3-venv, EGL) shows up here.
#
# Needs root on the host (debootstrap, chroot, mounts); not run in CI. Takes a while: debootstrap
# a few minutes, then pip, the baseline and the suite (tens of minutes on 2 cores).
#
# Usage: sudo scripts/fresh_debian_check.sh [--work DIR] [--rev REV] [--base-cache] [--mirror URL]
#   --work DIR     work folder: the root, the logs and summary.txt (default /tmp/twin-fresh-debian);
#                  must lie outside the repository; its old root is removed first
#   --rev REV      commit to check (default HEAD of this repository)
#   --base-cache   keep the bare debootstrapped root as DIR/bookworm-minbase.tar and reuse it on
#                  the next run (default: debootstrap a fresh one every time)
#   --mirror URL   Debian mirror (default: the host's configured bookworm mirror from
#                  /etc/apt/sources.list{,.d/*}, else http://deb.debian.org/debian)
# Network: the root gets the host's apt sources for that mirror, its apt Acquire/auth settings,
# its local CA certificates (/usr/local/share/ca-certificates), resolv.conf and hosts, its
# system-wide pip configuration (/etc/pip.conf, /etc/xdg/pip) and PIP_*/proxy variables, so that
# apt and pip inside reach the archives the way the host does.
# Exit status: 0 when both commands pass, 1 when either fails, 2 on a usage or host problem.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work=/tmp/twin-fresh-debian
rev=HEAD
base_cache=0
mirror=""
user=newcomer
suite=bookworm

die() { echo "fresh_debian_check: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --work) [ $# -ge 2 ] || die "--work needs a folder"; work="$2"; shift 2 ;;
    --rev) [ $# -ge 2 ] || die "--rev needs a commit"; rev="$2"; shift 2 ;;
    --base-cache) base_cache=1; shift ;;
    --mirror) [ $# -ge 2 ] || die "--mirror needs a URL"; mirror="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1'; allowed: --work DIR, --rev REV, --base-cache, --mirror URL" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "needs root on the host (debootstrap, chroot, mounts); run: sudo $0"
sha="$(git -C "$repo" rev-parse --verify "${rev}^{commit}" 2>/dev/null)" \
  || die "--rev '$rev': not a commit of $repo"
work="$(realpath -m "$work")"
case "$work/" in
  //) die "--work '$work': choose a dedicated folder" ;;
  "$(realpath "$repo")"/*) die "--work '$work': lies inside the repository $repo; choose a folder outside it" ;;
esac
mkdir -p "$work"
root="$work/root"
base_tar="$work/$suite-minbase.tar"

# The host's bookworm mirror: the first enabled `deb` entry for suite $suite, one-line or deb822.
host_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" \
      | awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
      { types = ""; uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^#/) continue
          split($i, kv, ":[ \t]*"); key = tolower(kv[1]); val = substr($i, length(kv[1]) + 2)
          gsub(/^[ \t]+|[ \t]+$/, "", val)
          if (key == "types") types = val; else if (key == "uris") uris = val
          else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val)
        }
        if (enabled != "no" && (" " types " ") ~ / deb / && (" " suites " ") ~ (" " s " ")) {
          split(uris, u, /[ \t]+/); print u[1]; exit
        } }' "$f"
  done
}
[ -n "$mirror" ] || mirror="$(host_mirror | head -n 1)"
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

if ! command -v debootstrap >/dev/null; then
  echo "== installing debootstrap on the host"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi

# Everything mounted under the root, deepest first; never remove the root while one is left.
unmount_root() {
  local m
  [ -d "$root" ] || return 0
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done < <(findmnt -rn -o TARGET | awk -v r="$root" 'index($0, r "/") == 1 || $0 == r' | sort -r)
}
remove_root() {
  unmount_root
  if findmnt -rn -o TARGET | grep -q "^$root\(/\|$\)"; then
    die "something is still mounted under $root; not removing it"
  fi
  rm -rf --one-file-system "$root"
}
trap unmount_root EXIT

t0=$SECONDS
echo "== fresh Debian 12 check of $(git -C "$repo" log -1 --format='%h %s' "$sha" | cut -c1-90)"
echo "   work folder $work, mirror $mirror, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
remove_root
if [ "$base_cache" -eq 1 ] && [ -f "$base_tar" ]; then
  echo "== unpacking the cached bare root $base_tar"
  mkdir -p "$root"
  tar -C "$root" --numeric-owner -xpf "$base_tar"
else
  echo "== debootstrap --variant=minbase $suite (a few minutes; log: $work/debootstrap.log)"
  if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    die "debootstrap failed; see $work/debootstrap.log"
  fi
  if [ "$base_cache" -eq 1 ]; then
    unmount_root
    tar -C "$root" --numeric-owner --one-file-system -cpf "$base_tar.part" . && mv "$base_tar.part" "$base_tar"
  fi
fi
echo "   bare root ready after $((SECONDS - t0)) s"

# The host's way to the archives and to PyPI.
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
rm -f "$root/etc/apt/sources.list"
copied=0
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  if [ -f "$f" ] && grep -qF "$mirror" "$f"; then cp "$f" "$root${f}"; copied=1; fi
done
[ "$copied" -eq 1 ] || echo "deb $mirror $suite $suite-updates main" >"$root/etc/apt/sources.list"
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do  # proxies, validity checks and the like
  if [ -f "$f" ] && grep -q 'Acquire' "$f"; then cp "$f" "$root${f}"; fi
done
for f in /etc/apt/auth.conf /etc/apt/auth.conf.d/*; do
  if [ -f "$f" ]; then cp -p "$f" "$root${f}"; fi
done
mkdir -p "$root/usr/local/share/ca-certificates"
cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$root/etc/pip.conf"; fi
if [ -d /etc/xdg/pip ]; then mkdir -p "$root/etc/xdg" && cp -r /etc/xdg/pip "$root/etc/xdg/"; fi

# The host's PIP_* and proxy variables, into envs; one naming a local path the root lacks is left out.
carry_env() {  # [say]
  local k v
  envs=()
  while IFS='=' read -r k v; do
    case "$k" in PIP_*|http_proxy|https_proxy|no_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY) ;; *) continue ;; esac
    if [ "${v#/}" != "$v" ] && [ ! -e "$root$v" ]; then
      if [ -n "${1:-}" ]; then echo "   not carried: $k=$v (absent in the root)"; fi
      continue
    fi
    envs+=("$k=$v")
  done < <(env)
}
carry_env
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive "${envs[@]}" "$@"; }

echo "== installing what a newcomer has beyond minbase: python3 git sudo ca-certificates"
{ in_root apt-get update -q && in_root apt-get install -y -q --no-install-recommends \
    python3 git sudo ca-certificates; } >"$work/apt.log" 2>&1 \
  || { tail -n 20 "$work/apt.log" >&2; die "apt-get in the root failed; see $work/apt.log"; }
echo "   $(in_root python3 --version), $(in_root git --version)"
carry_env say

in_root useradd -m -s /bin/bash "$user"
echo "$user ALL=(ALL) NOPASSWD:ALL" >"$root/etc/sudoers.d/$user"
chmod 0440 "$root/etc/sudoers.d/$user"
# Only committed files travel: a bare clone of the repository, owned by the user, cloned again inside.
git clone -q --bare --no-local "$repo" "$root/srv/citytwin.git"
in_root chown -R "$user:$user" /srv/citytwin.git
as_user() { chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/games LANG=C.UTF-8 \
  TERM=dumb HOME="/home/$user" USER="$user" LOGNAME="$user" SHELL=/bin/bash "${envs[@]}" \
  /usr/sbin/runuser -u "$user" -- bash -c "umask 022; cd ~ && $1"; }
as_user "git clone -q /srv/citytwin.git citytwin && cd citytwin \
  && { [ \"\$(git rev-parse HEAD)\" = $sha ] || git -c advice.detachedHead=false checkout -q $sha; }"
echo "   cloned $(as_user 'cd citytwin && git log -1 --format=%h') into /home/$user/citytwin; beside it: $(as_user 'ls -A | grep -v "^\." | tr "\n" " "')"

# Run one README command as the user, timed, each output line stamped with elapsed seconds.
run_step() {  # name command...
  local name="$1" cmd="$2" rc
  echo "== $name: $cmd (log: $work/$name.log)"
  date +%s >"$work/$name.start"
  set +e
  as_user "cd citytwin && TIMEFORMAT='time: real %R s, user %U s, sys %S s'; time $cmd" 2>&1 \
    | while IFS= read -r line; do printf '[%5d s] %s\n' "$SECONDS" "$line"; done >"$work/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  echo "$rc" >"$work/$name.rc"
  # When the set-up finished: the newest stamp setup.sh leaves in .venv (if this step wrote one).
  find "$root/home/$user/citytwin/.venv" -maxdepth 1 -name '.installed-*' -newer "$work/$name.start" \
    -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1 >"$work/$name.setup_done"
}
SECONDS=0; run_step baseline ./scripts/baseline.sh
SECONDS=0; run_step test "./scripts/test.sh -rfEs"

summary() {
  local name
  echo "Fresh Debian 12 check: commit $(git -C "$repo" log -1 --format='%h (%cd)' --date=iso "$sha")"
  echo "  date $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "  $(in_root python3 --version), mirror $mirror, user $user, nothing beside the clone"
  local done_at start setup
  for name in baseline test; do
    start="$(cat "$work/$name.start")"; done_at="$(cat "$work/$name.setup_done")"
    setup="no new install"; [ -z "$done_at" ] || setup="set-up done after $(( ${done_at%.*} - start )) s"
    echo "  $name: exit $(cat "$work/$name.rc"), $(grep -o 'time: real.*' "$work/$name.log" | tail -n 1) ($setup)"
  done
  echo "  baseline run folder:"
  as_user 'cd citytwin && ls -l runs/hezhou_baseline-seed42 2>&1' | sed 's/^/    /'
  local closing
  closing="$(grep -E '(passed|failed|error|no tests ran).* in [0-9.]+s' "$work/test.log" | tail -n 1 | sed 's/^\[ *[0-9]* s\] //')"
  echo "  pytest: ${closing:-did not run to the end (see the last lines of test.log below)}"
  grep -E '^\[ *[0-9]+ s\] (FAILED|ERROR) ' "$work/test.log" | sed 's/^\[ *[0-9]* s\] /  /' || true
  grep -E '^\[ *[0-9]+ s\] SKIPPED ' "$work/test.log" | sed 's/^\[ *[0-9]* s\] /  /' || true
  grep -E '^\[ *[0-9]+ s\] E  ' "$work/test.log" | sed 's/^\[ *[0-9]* s\] /    /' | head -n 30 || true
  for name in baseline test; do
    if [ "$(cat "$work/$name.rc")" -ne 0 ] && ! grep -qE '(passed|failed).* in [0-9.]+s' "$work/$name.log"; then
      echo "  last lines of $name.log:"; tail -n 15 "$work/$name.log" | sed 's/^/    /'
    fi
  done
}
summary | tee "$work/summary.txt"
[ "$(cat "$work/baseline.rc")" -eq 0 ] && [ "$(cat "$work/test.rc")" -eq 0 ]
