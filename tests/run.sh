#!/bin/sh
# Runs every test binary in $BUILD/tests and prints "N passed, N failed".
BUILD=${BUILD:-build}
export FACECRYPT="$PWD/$BUILD/facecrypt"
passed=0; failed=0; failed_names=""
for t in "$BUILD"/tests/test_*; do
  case "$t" in *.d|*.o) continue;; esac
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if "$t" > "$BUILD/tests/$name.log" 2>&1; then
    passed=$((passed+1)); echo "PASS $name ($(tail -n 1 "$BUILD/tests/$name.log"))"
  else
    failed=$((failed+1)); failed_names="$failed_names $name"
    echo "FAIL $name"; tail -n 30 "$BUILD/tests/$name.log" | sed 's/^/    /'
  fi
done
echo
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
