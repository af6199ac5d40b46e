#!/usr/bin/env bash
# Server benchmark (run by hand; not part of CI or meson test).
#
#   tests/bench/bench-server.sh
#
# Builds a release build (build-bench/), creates a throw-away data directory
# with the demo data scaled up (`voltbay-ctl demo-data --scale`) and a
# reception user for all shops, then measures on this machine, 32
# connections each:
#   - pgbench select-only on the server's own embedded PostgreSQL (the
#     ceiling: every API request costs at least one such query),
#   - wrk on GET /healthz and GET /api/v1/me over HTTP and over HTTPS,
#   - wrk over HTTP on the floor's reads: open work orders (50, customer
#     and vehicle embedded), one vehicle by id, customer search and a day of
#     availability, on random ids and search terms from the data,
# and prints req/s, p50, p99, the ratio to pgbench's TPS and PostgreSQL
# statements per request (pg_stat_statements, loaded into the embedded
# cluster for the run; "no N+1" means this stays small and constant).
# (track = top: statements sent by clients, not those run inside functions.)
# An endpoint that does not exist yet is listed as unavailable.
#
# Environment: DURATION (per measurement, default 10s; "30", "30s" or "1m"),
# SCALE (bulk customers, default 100000; 0 = the small demo only),
# WORK_ORDERS_PER_CUSTOMER (default 10), BENCH_BUILD_DIR (default build-bench,
# set up as a release build when missing), BENCH_HTTP_PORT (default 18080),
# BENCH_HTTPS_PORT (default 18443).
# The table is also written to tests/bench/results/.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${BENCH_BUILD_DIR:-${REPO}/build-bench}"
SERVER="${BUILD}/server/voltbay-server"
CTL="${BUILD}/server/voltbay-ctl"

DURATION="${DURATION:-10s}"
SCALE="${SCALE:-100000}"
PER_CUSTOMER="${WORK_ORDERS_PER_CUSTOMER:-10}"
HTTP_PORT="${BENCH_HTTP_PORT:-18080}"
HTTPS_PORT="${BENCH_HTTPS_PORT:-18443}"
EMAIL=bench@voltbay.local
PASSWORD=bench-password-123

if [[ "$DURATION" =~ ^([0-9]+)m$ ]]; then
    secs=$((10#${BASH_REMATCH[1]} * 60))
elif [[ "$DURATION" =~ ^([0-9]+)s?$ ]]; then
    secs=$((10#${BASH_REMATCH[1]}))
else
    echo "bench: DURATION must look like 10, 10s or 1m" >&2
    exit 2
fi
if ((secs < 1)); then
    echo "bench: DURATION must be at least 1 second" >&2
    exit 2
fi

for tool in wrk curl pgbench; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        "${REPO}/build-aux/install-deps.sh"
        break
    fi
done
for tool in wrk curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench: ${tool} not found (apt-get install ${tool})" >&2
        exit 1
    fi
done

# PostgreSQL client tools of the installed server version.
pg_bindir="$(pg_config --bindir 2>/dev/null || true)"
if [[ -n "$pg_bindir" && -x "${pg_bindir}/pgbench" ]]; then
    PGBENCH="${pg_bindir}/pgbench"
    CREATEDB="${pg_bindir}/createdb"
    PSQL="${pg_bindir}/psql"
else
    PGBENCH="$(command -v pgbench)"
    CREATEDB="$(command -v createdb)"
    PSQL="$(command -v psql)"
fi
pg_libdir="$(pg_config --pkglibdir 2>/dev/null || true)"

echo "==> Release build in ${BUILD}"
if [[ -f "${BUILD}/meson-private/coredata.dat" ]]; then
    [[ -f "${BUILD}/build.ninja" ]] || meson setup --reconfigure "$BUILD" "$REPO"
else
    meson setup "$BUILD" "$REPO" -Dbuildtype=release
fi
meson compile -C "$BUILD"

# A data directory the postgres user can reach when we are root (the embedded
# cluster then runs as postgres and root connects to its socket in D/pg/run).
D="$(mktemp -d /tmp/voltbay-bench.XXXX)"
chmod 755 "$D"

server_pid=
stop_server() {
    if [[ -n "$server_pid" ]]; then
        if kill -0 "$server_pid" 2>/dev/null; then
            kill -TERM "$server_pid" 2>/dev/null || true
            local i
            for ((i = 0; i < 100; i++)); do
                kill -0 "$server_pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$server_pid" 2>/dev/null; then
                echo "bench: voltbay-server did not stop in 10 s; killing it" >&2
                kill -KILL "$server_pid" 2>/dev/null || true
            fi
        fi
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}

# If the server could not stop its PostgreSQL (it was killed), stop the
# postmaster it started, by the pid in its own pid file, before removing D.
stop_orphan_postmaster() {
    local pidfile pid i
    while IFS= read -r pidfile; do
        pid="$(head -n 1 "$pidfile" 2>/dev/null || true)"
        [[ "$pid" =~ ^[0-9]+$ ]] || continue
        kill -0 "$pid" 2>/dev/null || continue
        echo "bench: stopping leftover PostgreSQL (pid ${pid})" >&2
        kill -INT "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    done < <(find "$D" -name postmaster.pid 2>/dev/null)
}

cleanup() {
    local rc=$?
    stop_server
    stop_orphan_postmaster
    rm -rf -- "$D"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server URL SERVER-ARGS...: start in the background, wait for /readyz.
start_server() {
    local url="$1"
    shift
    "$SERVER" --data-dir "$D" "$@" >>"${D}/server.log" 2>&1 &
    server_pid=$!
    local i
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            server_pid=
            echo "bench: voltbay-server exited early; its log:" >&2
            tail -n 40 "${D}/server.log" >&2 || true
            exit 1
        fi
        if curl -ksf -o /dev/null --max-time 2 "${url}/readyz"; then
            return 0
        fi
        sleep 0.2
    done
    echo "bench: voltbay-server not ready after 60 s; its log:" >&2
    tail -n 40 "${D}/server.log" >&2 || true
    exit 1
}

login() {
    local base="$1" body token
    body="$(curl -ksf --max-time 10 -H 'Content-Type: application/json' \
        -d "{\"email\": \"${EMAIL}\", \"password\": \"${PASSWORD}\"}" \
        "${base}/api/v1/auth/login")" || {
        echo "bench: login failed at ${base}/api/v1/auth/login" >&2
        return 1
    }
    if command -v python3 >/dev/null 2>&1; then
        token="$(printf '%s' "$body" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
    else
        token="$(printf '%s' "$body" | sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')"
    fi
    if [[ -z "$token" ]]; then
        echo "bench: no token in the login reply: ${body}" >&2
        return 1
    fi
    printf '%s\n' "$token"
}

check_me() {
    local base="$1" code
    code="$(curl -ks -o /dev/null -w '%{http_code}' --max-time 10 \
        -H "Authorization: Bearer ${TOKEN}" "${base}/api/v1/me" || true)"
    [[ "$code" == 200 ]]
}

# Results: parallel arrays, one row per measurement.
names=()
rates=()
p50s=()
p99s=()
errs=()
stmts=()

# Latency "381.00us" / "1.20ms" / "1.02s" -> milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else printf "?" }'
}

# psql on the embedded cluster (set once the server runs).
q() {
    "$PSQL" -h "$PGSOCK" -U voltbay -d voltbay -XAtq -c "$1"
}

# PostgreSQL statements run so far in the voltbay database: pg_stat_statements
# when loaded, else transactions (pg_stat_database), marked with a "~".
STMT_SOURCE=none
statement_count() {
    case "$STMT_SOURCE" in
    pgss) q "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s
               JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'voltbay'" ;;
    xact) q "SELECT pg_stat_force_next_flush(); SELECT xact_commit + xact_rollback
               FROM pg_stat_database WHERE datname = 'voltbay'" | tail -n 1 ;;
    *) echo 0 ;;
    esac
}

# run_wrk NAME URL [WRK-ARGS...]
run_wrk() {
    local name="$1" url="$2"
    shift 2
    local out="${D}/wrk-${#names[@]}.txt"
    local before after
    echo "==> wrk ${name}: ${url}"
    before="$(statement_count)"
    # A 10 s timeout: slow endpoints are measured, not counted as errors.
    wrk -t2 -c32 -d"${secs}s" --timeout 10s --latency "$@" "$url" | tee "$out"
    after="$(statement_count)"
    local rps p50 p99 non2xx sockerr requests
    rps="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    p50="$(awk '$1 == "50%" { print $2 }' "$out")"
    p99="$(awk '$1 == "99%" { print $2 }' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    sockerr="$(awk '/Socket errors:/ {
        n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { sub(/,/, "", $i); n += $i }
        print n }' "$out")"
    requests="$(awk '/requests in/ { print $1; exit }' "$out")"
    names+=("$name")
    rates+=("${rps:-?}")
    p50s+=("$(to_ms "${p50:-?}")")
    p99s+=("$(to_ms "${p99:-?}")")
    errs+=("$((${non2xx:-0} + ${sockerr:-0}))")
    stmts+=("$(awk -v a="$after" -v b="$before" -v n="${requests:-0}" -v s="$STMT_SOURCE" 'BEGIN {
        if (s == "none" || n + 0 == 0) { printf "?"; exit }
        printf "%s%.2f", (s == "xact" ? "~" : ""), (a - b) / n }')")
}

# unavailable NAME CODE: an endpoint that is not there (yet).
unavailable() {
    echo "==> ${1}: unavailable (HTTP ${2}), skipped"
    names+=("$1")
    rates+=("unavailable")
    p50s+=("-")
    p99s+=("-")
    errs+=(0)
    stmts+=("-")
}

# bench_paths NAME FILE: wrk over the request paths in FILE (one a line),
# picked at random, when the first of them answers 200.
bench_paths() {
    local name="$1" file="$2" first code lua="${D}/paths-${#names[@]}.lua"
    first="$(head -n 1 "$file")"
    # Generous: the server may still be working off the previous run's queue.
    code="$(curl -ks -o "${D}/probe.json" -w '%{http_code}' --max-time 120 \
        -H "Authorization: Bearer ${TOKEN}" "${HTTP}${first}" || true)"
    if [[ "$code" != 200 ]]; then
        unavailable "$name" "$code"
        return 0
    fi
    {
        echo 'local paths = {'
        sed 's/.*/  "&",/' "$file"
        echo '}'
        echo 'math.randomseed(42)'
        echo 'request = function() return wrk.format(nil, paths[math.random(#paths)]) end'
    } >"$lua"
    run_wrk "$name" "${HTTP}${first}" -H "Authorization: Bearer ${TOKEN}" -s "$lua"
}

echo "==> Data directory ${D}"
"$CTL" --data-dir "$D" migrate
# Statement counts per request: load pg_stat_statements into the embedded
# cluster (it is in Debian's postgresql-15 package).
if [[ -n "$pg_libdir" && -f "${pg_libdir}/pg_stat_statements.so" && -f "${D}/pg/data/postgresql.conf" ]]; then
    printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" \
        "pg_stat_statements.track = 'top'" >>"${D}/pg/data/postgresql.conf"
    STMT_SOURCE=pgss
else
    STMT_SOURCE=xact
fi
echo "==> demo-data --scale ${SCALE} --work-orders-per-customer ${PER_CUSTOMER}"
if ((SCALE > 0)); then
    "$CTL" --data-dir "$D" demo-data --scale "$SCALE" --work-orders-per-customer "$PER_CUSTOMER" |
        grep -v -A2 'password:' || true
else
    "$CTL" --data-dir "$D" demo-data | grep -v -A2 'password:' || true
fi
echo "$PASSWORD" | "$CTL" --data-dir "$D" user-add --email "$EMAIL" --name Bench \
    --role reception --location all

# --- HTTP --------------------------------------------------------------------
HTTP="http://127.0.0.1:${HTTP_PORT}"
echo "==> Starting voltbay-server on ${HTTP} (no TLS)"
start_server "$HTTP" --no-tls --listen "127.0.0.1:${HTTP_PORT}"
TOKEN="$(login "$HTTP")"
if ! check_me "$HTTP"; then
    echo "bench: GET /api/v1/me with the bench token is not 200" >&2
    exit 1
fi

# pgbench on the embedded PostgreSQL, while the server (which owns it) runs.
PGSOCK="${D}/pg/run"
if [[ "$STMT_SOURCE" == pgss ]] && ! q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" 2>/dev/null; then
    STMT_SOURCE=xact
fi
echo "==> pgbench -S -c 32 on the embedded PostgreSQL (socket ${PGSOCK})"
"$CREATEDB" -h "$PGSOCK" -U voltbay pgbench
"$PGBENCH" -h "$PGSOCK" -U voltbay -i -s 10 -q pgbench
# Log 1% of transactions to read the latency percentiles from.
"$PGBENCH" -h "$PGSOCK" -U voltbay -S -c 32 -j 2 -T "$secs" \
    -l --sampling-rate=0.01 --log-prefix="${D}/pgbench-log" pgbench | tee "${D}/pgbench.txt"
pg_tps="$(awk '/^tps = / { print $3; exit }' "${D}/pgbench.txt")"
# Per-transaction log: the 3rd field is the latency in microseconds.
read -r pg_p50 pg_p99 < <(cat "${D}"/pgbench-log.* 2>/dev/null | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "? ?"; exit }
        i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
        i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
        printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
pg_failed="$(awk '/^number of failed transactions:/ { print $5; exit }' "${D}/pgbench.txt")"
names+=("pgbench -S (socket)")
rates+=("${pg_tps:-?}")
p50s+=("$pg_p50")
p99s+=("$pg_p99")
errs+=("${pg_failed:-0}")
stmts+=(1)

run_wrk "GET /healthz http" "${HTTP}/healthz"
run_wrk "GET /api/v1/me http" "${HTTP}/api/v1/me" -H "Authorization: Bearer ${TOKEN}"

# Request paths from the data: random vehicles and search terms (family
# names, plate and VIN fragments), a day of availability for two services.
echo "==> Floor reads on $(q "SELECT count(*) FROM work_orders") work orders," \
    "$(q "SELECT count(*) FROM work_orders WHERE status NOT IN ('collected', 'cancelled')") open"
hcm="$(q "SELECT id FROM locations WHERE code = 'HCM-D1'")"
services="$(q "SELECT string_agg(id::text, ',' ORDER BY code) FROM service_types
                WHERE code IN ('TIRE-ROTATION', 'CABIN-FILTER')")"
day="$(q "SELECT d::date FROM generate_series(current_date + 1, current_date + 7, '1 day') d
           WHERE extract(dow FROM d) <> 0 LIMIT 1")"
printf '/api/v1/work-orders?status=open&limit=50\n' >"${D}/wo.txt"
q "SELECT '/api/v1/work-orders?status=open&limit=50&location_id=' || id FROM locations ORDER BY code" >>"${D}/wo.txt"
q "SELECT '/api/v1/vehicles/' || id FROM vehicles ORDER BY md5(id::text) LIMIT 1000" >"${D}/vehicles.txt"
q "SELECT '/api/v1/customers?q=' || t FROM (
     SELECT family_name AS t FROM customers WHERE family_name ~ '^[A-Za-z]+$' GROUP BY 1
     UNION ALL SELECT substr(plate_norm, 1, 6) FROM (SELECT plate_norm FROM vehicles
                                                     ORDER BY md5(id::text) LIMIT 300) p
     UNION ALL SELECT substr(vin, 10, 8) FROM (SELECT vin FROM vehicles ORDER BY md5(vin) LIMIT 300) v) x
   ORDER BY md5(t)" >"${D}/customers.txt"
printf '/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s\n' \
    "$hcm" "$services" "$day" "$day" >"${D}/availability.txt"
bench_paths "GET work-orders open" "${D}/wo.txt"
bench_paths "GET vehicles/{id}" "${D}/vehicles.txt"
bench_paths "GET customers?q=" "${D}/customers.txt"
bench_paths "GET availability 1 day" "${D}/availability.txt"

stop_server

# --- HTTPS (self-signed certificate made in D/tls/ on first TLS start) --------
HTTPS="https://127.0.0.1:${HTTPS_PORT}"
echo "==> Starting voltbay-server on ${HTTPS}"
start_server "$HTTPS" --listen "127.0.0.1:${HTTPS_PORT}"
if ! check_me "$HTTPS"; then
    TOKEN="$(login "$HTTPS")"
    if ! check_me "$HTTPS"; then
        echo "bench: GET /api/v1/me over HTTPS is not 200" >&2
        exit 1
    fi
fi
run_wrk "GET /healthz https" "${HTTPS}/healthz"
run_wrk "GET /api/v1/me https" "${HTTPS}/api/v1/me" -H "Authorization: Bearer ${TOKEN}"

stop_server

# --- Table ---------------------------------------------------------------------
results_dir="${REPO}/tests/bench/results"
mkdir -p "$results_dir"
results="${results_dir}/bench-server-$(date +%Y%m%d-%H%M%S).txt"
{
    echo "voltbay bench-server: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, ${secs}s each," \
        "wrk -t2 -c32, pgbench -S -c32 -j2 scale 10, demo-data --scale ${SCALE} x ${PER_CUSTOMER}"
    echo "commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
        git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    printf '%-24s %12s %10s %10s %11s %7s %10s\n' name "req/s|TPS" "p50 ms" "p99 ms" "vs pgbench" errors \
        "stmts/req"
    for ((i = 0; i < ${#names[@]}; i++)); do
        rate="$(awk -v r="${rates[i]}" \
            'BEGIN { if (r ~ /^[0-9.]+$/) printf "%.1f", r; else printf "%s", r }')"
        ratio="$(awk -v r="${rates[i]}" -v t="${pg_tps:-0}" \
            'BEGIN { if (t + 0 > 0 && r ~ /^[0-9.]+$/) printf "%.2f", r / t; else printf "?" }')"
        printf '%-24s %12s %10s %10s %11s %7s %10s\n' \
            "${names[i]}" "$rate" "${p50s[i]}" "${p99s[i]}" "$ratio" "${errs[i]}" "${stmts[i]}"
    done
    echo "stmts/req: PostgreSQL statements sent per request (pg_stat_statements top level, BEGIN/COMMIT" \
        "included, the server's background work too; ~ = transactions per request without it)"
} | tee "$results"
echo "(saved to ${results})"

total_errors=0
for e in "${errs[@]}"; do
    total_errors=$((total_errors + e))
done
if ((total_errors > 0)); then
    echo "bench: ${total_errors} failed requests/transactions: the numbers above are not valid" >&2
    exit 1
fi
