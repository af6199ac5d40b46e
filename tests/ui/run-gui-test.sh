#!/usr/bin/env bash
# run-gui-test.sh TEST-BINARY [ARGS...]
#
# Runs a GTK test binary the way a desktop session would, but private and
# throw-away: a temporary HOME and XDG directories (exported before the bus
# starts, so services it activates use them too), a virtual X server, a
# private session bus, and an unlocked gnome-keyring for libsecret.
# The test's TAP output passes through untouched; helpers are silenced.
set -euo pipefail

if [[ "${1:-}" == "--inside-session" ]]; then
    shift
    # An explicitly unlocked keyring: started on demand it would try to
    # prompt for a password and fail.
    echo -n voltbay-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    gdbus wait --session --timeout 10 org.freedesktop.secrets
    exec "$@"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/voltbay-gui.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/runtime"
chmod 0700 "$tmp/runtime"
export HOME="$tmp/home"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_RUNTIME_DIR="$tmp/runtime"
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
export GTK_A11Y=none
export NO_AT_BRIDGE=1
export GDK_BACKEND=x11
export GSETTINGS_BACKEND=memory
# The reception app's schema (io.github.voltbay.Reception) as the build
# compiled it (data/gschemas.compiled): meson test sets GSETTINGS_SCHEMA_DIR;
# run by hand (the bench), look for the build directory above the binary.
if [[ -z "${GSETTINGS_SCHEMA_DIR:-}" ]]; then
    if [[ -n "${VOLTBAY_BUILD_DIR:-}" ]]; then
        dir="$VOLTBAY_BUILD_DIR"
    else
        dir="$(cd "$(dirname "$1")" && pwd)"
        while [[ "$dir" != / && ! -f "$dir/data/gschemas.compiled" ]]; do
            dir="$(dirname "$dir")"
        done
    fi
    if [[ -f "$dir/data/gschemas.compiled" ]]; then
        export GSETTINGS_SCHEMA_DIR="$dir/data"
    fi
fi
# Sanitizer builds: Mesa's GL probe leaks in a way LSan cannot suppress.
if [[ "${ASAN_OPTIONS:-}" != "" ]]; then
    export GDK_DEBUG=gl-disable
fi

status=0
xvfb-run -a -s '-screen 0 1280x800x24' \
    dbus-run-session -- "$0" --inside-session "$@" || status=$?
exit "$status"
