#!/usr/bin/env bash
# run-dbus-test.sh TEST-BINARY [ARGS...]
#
# Runs a test binary on a private session bus where python3-dbusmock plays
# the notification daemon (org.freedesktop.Notifications), so the test can
# read back every Notify call through the mock's GetCalls.  HOME and the
# XDG directories are temporary and exported before the bus starts (what it
# activates uses them too).  The test's TAP output passes through untouched;
# the mock is silenced.  No display: libnotify needs none.
set -euo pipefail

if [[ "${1:-}" == "--inside-session" ]]; then
    shift
    # /usr/bin/python3: the python3 first on PATH may lack the dbus module.
    /usr/bin/python3 -m dbusmock --template notification_daemon >/dev/null 2>&1 &
    mock=$!
    trap 'kill "$mock" 2>/dev/null || true' EXIT
    gdbus wait --session --timeout 10 org.freedesktop.Notifications
    status=0
    "$@" || status=$?
    exit "$status"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/voltbay-dbus.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/runtime"
chmod 0700 "$tmp/runtime"
export HOME="$tmp/home"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_RUNTIME_DIR="$tmp/runtime"

status=0
dbus-run-session -- "$0" --inside-session "$@" || status=$?
exit "$status"
