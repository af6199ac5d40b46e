#!/usr/bin/env bash
# Build Voltbay and run every test suite: the README's "test" command, and
# what CI runs (.ci/run).
#
#   build-aux/test.sh [--quick | --sanitize] [-- MESON-TEST-ARGS...]
#
# Two builds, each configured, compiled and tested:
#   build-test  plain (debugoptimized, -Werror)
#   build-asan  AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer
#               (debug, -Werror), with a 3x test timeout
# --quick skips the sanitizer build; --sanitize runs only the sanitizer build.
# Arguments after -- go to `meson test` (e.g. a test or suite name).
#
# The last line printed is always "N passed, M failed", summed over both
# builds from meson test's summary (passed = Ok + Expected Fail, failed =
# Fail + Unexpected Pass + Timeout). A build that fails to configure or
# compile, or a meson test run that fails without a summary, counts as one
# failure. The exit status is non-zero when anything failed.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

run_plain=1
run_asan=1
test_args=()
while (($#)); do
    case "$1" in
        --quick) run_asan=0 ;;
        --sanitize) run_plain=0 ;;
        -h | --help) usage; exit 0 ;;
        --) shift; test_args=("$@"); break ;;
        *) echo "test.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if ((run_plain == 0 && run_asan == 0)); then
    echo "test.sh: --quick and --sanitize exclude each other" >&2
    exit 2
fi

"${REPO}/build-aux/install-deps.sh"

total_passed=0
total_failed=0
problems=()

logs="$(mktemp -d "${TMPDIR:-/tmp}/voltbay-test.XXXXXX")"
trap 'rm -rf "$logs"' EXIT

# setup_and_compile DIR MESON-OPTIONS...
setup_and_compile() {
    local dir="$1"
    shift
    if [[ -f "${dir}/meson-private/coredata.dat" ]]; then
        meson setup --reconfigure "$dir" "$REPO" "$@" || return 1
    else
        meson setup "$dir" "$REPO" "$@" || return 1
    fi
    meson compile -C "$dir" || return 1
}

# run_build NAME TIMEOUT-MULTIPLIER ENV-ARRAY-NAME MESON-OPTIONS...
run_build() {
    local name="$1" multiplier="$2" env_name="$3"
    shift 3
    local dir="${REPO}/${name}"
    local -n test_env="$env_name"
    local log="${logs}/${name}.log"

    echo
    echo "==> ${name}: configure and compile"
    if ! setup_and_compile "$dir" "$@"; then
        echo "==> ${name}: BUILD FAILED" >&2
        problems+=("${name}: build failed")
        total_failed=$((total_failed + 1))
        return 0
    fi

    echo
    echo "==> ${name}: meson test"
    local rc
    set +o errexit
    env "${test_env[@]}" \
        meson test -C "$dir" --print-errorlogs --num-processes 2 \
        --timeout-multiplier "$multiplier" "${test_args[@]}" 2>&1 |
        tee "$log"
    rc="${PIPESTATUS[0]}"
    set -o errexit

    # The summary block is printed last; take the last value of each line
    # (a failing test's log could print a look-alike line earlier).
    local counts passed failed seen
    counts="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | awk '
        /^Ok:[ \t]+[0-9]+/              { ok = $2; seen = 1 }
        /^Expected Fail:[ \t]+[0-9]+/   { xfail = $3 }
        /^Fail:[ \t]+[0-9]+/            { fail = $2 }
        /^Unexpected Pass:[ \t]+[0-9]+/ { xpass = $3 }
        /^Timeout:[ \t]+[0-9]+/         { timeout = $2 }
        END { printf "%d %d %d\n", ok + xfail, fail + xpass + timeout, seen }')"
    read -r passed failed seen <<<"$counts"

    if ((rc != 0 && failed == 0)); then
        if ((seen)); then
            problems+=("${name}: meson test exited ${rc}")
        else
            problems+=("${name}: meson test exited ${rc} without a summary")
        fi
        failed=1
    elif ((failed > 0)); then
        problems+=("${name}: ${failed} failed")
    fi
    echo "==> ${name}: ${passed} passed, ${failed} failed"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
}

# Both arrays are used through a nameref in run_build.
# shellcheck disable=SC2034
no_env=()
# shellcheck disable=SC2034
asan_env=(
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    # fast_unwind_on_malloc=0: Debian's GLib has no frame pointers, so the
    # fast unwinder stops at g_malloc and a leak report names no caller (and
    # function suppressions cannot match). Full stacks cost ~20% on the server
    # tests. GTK under Mesa's software GL becomes very slow with it: GUI tests
    # run with GDK_DEBUG=gl-disable GSK_RENDERER=cairo (see lsan.supp).
    "LSAN_OPTIONS=suppressions=${REPO}/build-aux/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0"
    # The GUI tests' waits for a condition (vb_gui_wait_for) scale with the
    # build's slowness, like meson's timeouts.
    "VOLTBAY_TEST_WAIT_SCALE=3"
)

if ((run_plain)); then
    run_build build-test 1 no_env \
        -Dbuildtype=debugoptimized -Dwerror=true
fi
if ((run_asan)); then
    run_build build-asan 3 asan_env \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debug -Dwerror=true
fi

echo
if ((${#problems[@]})); then
    for p in "${problems[@]}"; do
        echo "FAILED: ${p}"
    done
fi
echo "${total_passed} passed, ${total_failed} failed"
if ((total_failed > 0)); then
    exit 1
fi
