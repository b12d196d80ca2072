#!/usr/bin/env bash
# check-format.sh SOURCE_DIR — fails listing every tracked C++ file that clang-format would change.
set -euo pipefail
cd "${1:?source dir}"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc' 2>/dev/null ||
  find operator api model controllers cmd tests -name '*.[ch]pp')
bad=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'not clang-formatted (run clang-format -i):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "checked ${#files[@]} files"
