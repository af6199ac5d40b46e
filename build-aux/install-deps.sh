#!/usr/bin/env bash
# Install the Debian packages listed in build-aux/debian-packages.txt that are
# not installed yet. Silent and quick when everything is there, so both README
# commands (build-aux/run.sh, build-aux/test.sh) call it every time.
#
# As root it runs apt-get itself; as a normal user it uses `sudo -n` when that
# works without a password, and otherwise prints the command to run and fails.
# VOLTBAY_SKIP_DEPS=1 skips the check (for hosts that are not Debian).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
list="${here}/debian-packages.txt"

if [[ "${VOLTBAY_SKIP_DEPS:-0}" == 1 ]]; then
    exit 0
fi

if [[ ! -r "$list" ]]; then
    echo "install-deps: cannot read ${list}" >&2
    exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: dpkg-query not found; this script targets Debian 12." >&2
    echo "install-deps: install the packages in ${list} by hand and set VOLTBAY_SKIP_DEPS=1." >&2
    exit 1
fi

wanted=()
while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%%#*}"                # drop comments
    read -r pkg _ <<<"$line" || true  # first word, whitespace trimmed
    [[ -n "${pkg:-}" ]] && wanted+=("$pkg")
done <"$list"

# One dpkg-query for all; packages it does not know print nothing (stderr).
declare -A installed=()
while IFS=$'\t' read -r pkg status; do
    [[ "$status" == "install ok installed" ]] && installed["$pkg"]=1
done < <(dpkg-query -W -f='${Package}\t${Status}\n' "${wanted[@]}" 2>/dev/null || true)

missing=()
for pkg in "${wanted[@]}"; do
    [[ -n "${installed[$pkg]:-}" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "install-deps: missing packages: ${missing[*]}" >&2

apt_install=(apt-get install -y --no-install-recommends "${missing[@]}")

if ((EUID == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive "${apt_install[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update
    sudo -n env DEBIAN_FRONTEND=noninteractive "${apt_install[@]}"
else
    {
        echo "install-deps: not root and no password-less sudo; run as root:"
        echo "  DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive ${apt_install[*]}"
    } >&2
    exit 1
fi
