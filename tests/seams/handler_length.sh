#!/usr/bin/env bash
# Issue 15: a handler parses, authorizes, calls its use case (app/) or
# store, and converts — a screenful at most. Fails naming every handler of
# the services given whose definition (from its `Api::Method(` line to the
# closing brace in column 0) is longer than the limit.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
limit=40
status=0
for service in "$@"; do
  over=$(awk -v limit="$limit" '
    FNR == 1 { start = 0 }
    /^[A-Za-z].*[A-Za-z]+Api::[A-Za-z]+\(/ && start == 0 {
      start = FNR; name = $0; sub(/\(.*/, "", name); sub(/.*::/, "", name); next
    }
    start > 0 && /^}/ {
      lines = FNR - start + 1
      if (lines > limit) printf "%s:%d %s is %d lines\n", FILENAME, start, name, lines
      start = 0
    }' "$root/$service"/api/*.cc)
  if [ -n "$over" ]; then
    echo "handlers over $limit lines in $service:"
    echo "$over" | sed "s|$root/||"
    status=1
  fi
done
exit $status
