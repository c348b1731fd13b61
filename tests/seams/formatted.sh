#!/usr/bin/env bash
# Issue 15: one layout for all C++ in the repository, the one .clang-format
# at the root describes. Fails naming every tracked .cc/.h file that
# clang-format would change (run `clang-format -i <file>` to fix it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "clang-format is not installed (scripts/lib.sh installs clang-format-14)"
  exit 1
fi
status=0
while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue  # deleted in the work tree, not yet committed
  if ! "$format" --dry-run --Werror "$file" >/dev/null 2>&1; then
    echo "not formatted: $file"
    status=1
  fi
done < <(git ls-files -z --cached --others --exclude-standard -- '*.cc' '*.h')
exit $status
