#!/usr/bin/env bash
# Issue 15: a service's SQL lives in its store/ (and migrations/) only, so a
# reader finds every statement beside the code that maps its rows. Fails,
# naming each line, when a statement or a direct tx.Exec/tx.Query appears in
# api/, app/, domain/ or main.cc of the services given.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
status=0
for service in "$@"; do
  dirs=()
  for d in api app domain; do [ -d "$root/$service/$d" ] && dirs+=("$root/$service/$d"); done
  files=$(find "${dirs[@]}" -name '*.cc' -o -name '*.h'; echo "$root/$service/main.cc")
  # A string literal opening with a statement keyword, or a query made here.
  if hits=$(grep -nE '"(SELECT|INSERT|UPDATE|DELETE|REPLACE|ALTER|CREATE|SAVEPOINT) |\b(tx|conn)\s*[.>-]+\s*(Exec|Query)\(' $files); then
    echo "SQL outside $service/store:"
    echo "$hits" | sed "s|$root/||"
    status=1
  fi
done
exit $status
