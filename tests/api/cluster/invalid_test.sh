#!/usr/bin/env bash
# The catalog tests/api/invalid/*.yaml: every object is rejected by the real API server, and the
# error names the field. Each file is a JSON merge patch (YAML) over a valid example:
#   # base: <file in deploy/examples>   the valid object the patch applies to
#   # mode: update                      create the base first, then apply the patched object
#   # expect: <text>                    must appear in the error (one line per text)
source "$(dirname "$0")/lib.sh"
ensure_crds
catalog="$api_root/tests/api/invalid"
count=0
for file in "$catalog"/*.yaml; do
  name="$(basename "$file" .yaml)"
  count=$((count + 1))
  base="$(sed -n 's/^# base: *//p' "$file")"
  mode="$(sed -n 's/^# mode: *//p' "$file")"
  mapfile -t expects < <(sed -n 's/^# expect: *//p' "$file")
  if ((${#expects[@]} == 0)) || [[ -z "$base" ]]; then
    fail "$name: needs '# base:' and at least one '# expect:' line"
    continue
  fi
  # The valid base must itself be accepted, or the case would prove nothing.
  if ! object="$(kubectl patch --local --type merge -f "$examples/$base" -p "$(grep -v '^#' "$file")" -o json 2>&1)"; then
    fail "$name: patch does not apply: $object"
    continue
  fi
  if [[ "$mode" == "update" ]]; then
    kubectl apply -n "$ns" -f "$examples/$base" >/dev/null
  else
    kubectl apply -n "$ns" --dry-run=server -f "$examples/$base" >/dev/null ||
      { fail "$name: base $base is not valid"; continue; }
  fi
  if [[ "$mode" == "update" ]]; then
    verb=(apply)
  else
    verb=(create)  # a create, never an update of an object left by another case
  fi
  rejected=1
  output="$(printf '%s' "$object" | kubectl "${verb[@]}" -n "$ns" -f - 2>&1)" && rejected=0
  [[ "$mode" == "update" ]] && kubectl delete -n "$ns" -f "$examples/$base" --ignore-not-found >/dev/null
  if ((rejected == 0)); then
    kubectl delete -n "$ns" -f "$examples/$base" --ignore-not-found >/dev/null
    fail "$name: accepted, expected a rejection naming ${expects[0]}"
    continue
  fi
  ok=1
  for text in "${expects[@]}"; do
    contains "$output" "$text" || { ok=0; fail "$name: error lacks '$text': $output"; }
  done
  ((ok)) && pass
done
# The issue asks for a catalog of at least 30 cases.
check "catalog has $count cases (>= 30)" test "$count" -ge 30
finish
