#!/usr/bin/env bash
# Every shell script in the source tree (*.sh, or a sh or bash #! line) passes
# ShellCheck at warning level: `tests/shellcheck.sh SRC`. Build trees and .git are left out.
set -euo pipefail
src=$1
cd "$src"
scripts=()
while IFS= read -r -d '' f; do
  case $f in
  *.sh) scripts+=("$f") ;;
  *) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*/(env )?(ba)?sh( |$)' && scripts+=("$f") ;;
  esac
done < <(find . \( -path ./build -o -path './build-*' -o -path './.git' -o -path './obj-*' \
                   -o \( -path './debian/*' -type d \) \) -prune \
              -o -type f -print0 | LC_ALL=C sort -z)
[ ${#scripts[@]} -gt 10 ] || { echo "FAIL: found only ${#scripts[@]} shell scripts in $src" >&2; exit 1; }
echo "shellcheck of ${#scripts[@]} scripts"
shellcheck -x -S warning "${scripts[@]}"
