#!/usr/bin/env bash
# Build Voltbay and run it: the README's "run" command.
#
#   build-aux/run.sh [VOLTBAY-SERVER OPTIONS...]
#
# Installs missing Debian packages, builds into build/, prepares the data
# directory (schema migrations, first administrator, demo data), then runs
# voltbay-server on it. Extra arguments go to voltbay-server unchanged.
#
# Data directory: $VOLTBAY_DATA_DIR, else /var/lib/voltbay for root, else
# ${XDG_DATA_HOME:-$HOME/.local/share}/voltbay.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${REPO}/build"

"${REPO}/build-aux/install-deps.sh"

if [[ ! -f "${BUILD}/build.ninja" ]]; then
    if [[ -f "${BUILD}/meson-private/coredata.dat" ]]; then
        meson setup --reconfigure "$BUILD" "$REPO"
    else
        meson setup "$BUILD" "$REPO"
    fi
fi
meson compile -C "$BUILD"

if [[ -n "${VOLTBAY_DATA_DIR:-}" ]]; then
    DIR="$VOLTBAY_DATA_DIR"
elif ((EUID == 0)); then
    DIR=/var/lib/voltbay
else
    DIR="${XDG_DATA_HOME:-${HOME}/.local/share}/voltbay"
fi
DIR="$(realpath -m -- "$DIR")"

SERVER="${BUILD}/server/voltbay-server"
CTL="${BUILD}/server/voltbay-ctl"
APP="${BUILD}/client-gtk/reception/voltbay-reception"

# Read the few server options that change how to reach it. Everything is still
# passed to voltbay-server as given.
listen=127.0.0.1:8443
scheme=https
cert="${DIR}/tls/server.crt"
db_args=(--data-dir "$DIR")
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    a="${args[i]}"
    next="${args[i + 1]:-}"
    case "$a" in
        --listen) listen="$next" ;;
        --listen=*) listen="${a#--listen=}" ;;
        --no-tls) scheme=http ;;
        --tls-cert) cert="$next" ;;
        --tls-cert=*) cert="${a#--tls-cert=}" ;;
        --database) db_args=(--database "$next") ;;
        --database=*) db_args=(--database "${a#--database=}") ;;
    esac
done
host="${listen%:*}"
port="${listen##*:}"
case "$host" in
    "" | 0.0.0.0 | "[::]" | ::) host=127.0.0.1 ;;
esac
url="${scheme}://${host}:${port}"
case "$host" in
    127.0.0.1 | "[::1]" | localhost) display_url="${scheme}://localhost:${port}" ;;
    *) display_url="$url" ;;
esac

echo "==> Data directory: ${DIR}"
"$CTL" "${db_args[@]}" migrate
"$CTL" "${db_args[@]}" bootstrap-admin --email admin@voltbay.local
"$CTL" "${db_args[@]}" demo-data

print_connect_help() {
    echo
    echo "==> Voltbay server: ${display_url}"
    if [[ "$scheme" == https ]]; then
        echo "    The certificate is self-signed (made in ${DIR}/tls/ on first start,"
        echo "    which the server logs with its SHA-256 fingerprint). Pin that fingerprint:"
        if [[ -r "$cert" ]]; then
            printf '      '
            openssl x509 -noout -fingerprint -sha256 -in "$cert" || true
        fi
        echo "      openssl x509 -noout -fingerprint -sha256 -in \"${cert}\""
        echo "    Log in (the first administrator's one-time password is printed above"
        echo "    when it is created; it must be changed at first login):"
        echo "      curl --cacert \"${cert}\" ${display_url}/api/v1/auth/login \\"
        echo "           -H 'Content-Type: application/json' \\"
        echo "           -d '{\"email\": \"admin@voltbay.local\", \"password\": \"...\"}'"
    else
        echo "    TLS is off (--no-tls): use this only on a trusted network. Log in:"
        echo "      curl ${display_url}/api/v1/auth/login \\"
        echo "           -H 'Content-Type: application/json' \\"
        echo "           -d '{\"email\": \"admin@voltbay.local\", \"password\": \"...\"}'"
    fi
    echo "    Health: ${display_url}/healthz  Readiness: ${display_url}/readyz"
    echo
}

print_connect_help

gui=0
if [[ -x "$APP" && ( -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ) ]]; then
    gui=1
fi

if ((gui == 0)); then
    echo "==> Starting voltbay-server in the foreground (Ctrl+C stops it and its PostgreSQL)"
    exec "$SERVER" --data-dir "$DIR" "$@"
fi

# Desktop session and the reception app is built: run the server in the
# background for as long as the app is open.
if ! command -v curl >/dev/null 2>&1; then
    echo "run.sh: curl is needed to wait for the server (apt-get install curl)" >&2
    exit 1
fi

server_pid=
stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        echo "==> Stopping voltbay-server (pid ${server_pid})"
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> Starting voltbay-server in the background"
"$SERVER" --data-dir "$DIR" "$@" &
server_pid=$!

echo "==> Waiting for ${url}/readyz"
ready=0
for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" && rc=0 || rc=$?
        server_pid=
        echo "run.sh: voltbay-server exited (status ${rc}) before it was ready" >&2
        exit 1
    fi
    if curl -ksf -o /dev/null --max-time 2 "${url}/readyz"; then
        ready=1
        break
    fi
    sleep 0.5
done
if ((ready == 0)); then
    echo "run.sh: voltbay-server not ready after 60 s" >&2
    exit 1
fi

if [[ "$scheme" == https && -r "$cert" ]]; then
    printf '==> Server certificate: '
    openssl x509 -noout -fingerprint -sha256 -in "$cert" || true
fi

echo "==> Opening voltbay-reception (closing it stops the server)"
# Uninstalled: its GSettings schema is the one the build compiled.
export GSETTINGS_SCHEMA_DIR="${BUILD}/data${GSETTINGS_SCHEMA_DIR:+:${GSETTINGS_SCHEMA_DIR}}"
app_rc=0
"$APP" || app_rc=$?
stop_server
exit "$app_rc"
