#!/usr/bin/env bash
# Every source file with translatable strings (_(), N_(), C_(), or
# translatable="yes" in .ui) must be listed in po/POTFILES.in, and every
# listed file must exist.  TAP output.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
listed=$(grep -v '^\s*#' po/POTFILES.in | sed '/^\s*$/d' | sort -u)
found=$( { git ls-files 2>/dev/null || find . -type f | sed 's|^\./||'; } |
  grep -E '^(server|shared|client-gtk)/.*\.(c|ui)$' |
  xargs grep -lE '(\b_\(|\bN_\(|\bC_\(|translatable="yes")' 2>/dev/null | sort -u || true)
echo "1..2"
missing=$(comm -13 <(echo "$listed") <(echo "$found") | sed '/^$/d')
if [ -z "$missing" ]; then echo "ok 1 every file with translatable strings is in POTFILES.in"
else echo "not ok 1 missing from po/POTFILES.in:"; echo "$missing" | sed 's/^/# /'; fi
stale=$(echo "$listed" | while read -r f; do [ -n "$f" ] && [ ! -f "$f" ] && echo "$f"; done || true)
if [ -z "$stale" ]; then echo "ok 2 every POTFILES.in entry exists"
else echo "not ok 2 listed but missing:"; echo "$stale" | sed 's/^/# /'; fi
[ -z "$missing" ] && [ -z "$stale" ]
