#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short budget (FUZZTIME,
# default 3000 executions each), so that a parser that panics on new input
# fails the build. The budget is a count, not a duration: with a duration,
# Go 1.26's fuzz coordinator can report "context deadline exceeded" when the
# time runs out under CPU load, a failure of the engine, not of the target.
set -euo pipefail
fuzztime="${FUZZTIME:-3000x}"
n=0
fail=0
while read -r pkg; do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		n=$((n + 1))
		if ! go test -run='^$' -fuzz="^${f}\$" -fuzztime="$fuzztime" "$pkg" >/tmp/fuzz-$$.log 2>&1; then
			echo "FAIL fuzz $pkg $f"
			cat /tmp/fuzz-$$.log
			fail=$((fail + 1))
		else
			echo "ok   fuzz $pkg $f"
		fi
	done
done < <(go list ./... | while read -r p; do
	d=$(go list -f '{{.Dir}}' "$p"); grep -lq '^func Fuzz' "$d"/*_test.go 2>/dev/null && echo "$p"; done)
rm -f /tmp/fuzz-$$.log
echo "fuzz: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
