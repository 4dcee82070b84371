#!/bin/sh
# The numerical tests under several OpenBLAS kernels and engine thread counts (README,
# "Numerical tests on other kernels").  Their bounds are what float32 can promise, so they must pass with any correct
# kernel: a failure here and not in `make test` is a tolerance fitted to one machine.
#   tests/numerics-matrix.sh                       core types "" (OpenBLAS's choice) and Haswell, threads 1 and 2
#   FC_MATRIX_CORETYPES="'' Haswell SkylakeX Zen" FC_MATRIX_THREADS="1 2" tests/numerics-matrix.sh
#   FC_MATRIX_TESTS="test_reference test_mpi" ...  which test binaries (default below; test_train
#                                                  checks training exactly, not within a tolerance:
#                                                  add it by hand, it takes a minute per run)
# A core type the CPU cannot run (SkylakeX without AVX-512) is skipped with a note.
# Prints one line per run and "numerics matrix: N passed, M failed"; exits 1 on a failure.
BUILD=${BUILD:-build}
export FACECRYPT="$PWD/$BUILD/facecrypt"
cores=${FC_MATRIX_CORETYPES-"'' Haswell"}
threads=${FC_MATRIX_THREADS:-"1 2"}
tests=${FC_MATRIX_TESTS:-"test_reference test_refdata test_nn_gradcheck test_nn_units test_model test_mpi"}
passed=0; failed=0
log="$BUILD/tests/numerics-matrix.log"
: > "$log"
eval "set -- $cores"
for ct in "$@"; do
  if [ "$ct" = SkylakeX ] && ! grep -q avx512f /proc/cpuinfo; then
    echo "skip OPENBLAS_CORETYPE=SkylakeX: this CPU has no AVX-512"; continue
  fi
  for th in $threads; do
    for t in $tests; do
      [ -x "$BUILD/tests/$t" ] || { echo "missing $BUILD/tests/$t (make $BUILD/tests/$t)"; failed=$((failed+1)); continue; }
      out=$(OPENBLAS_CORETYPE=$ct FC_TEST_THREADS=$th "$BUILD/tests/$t" 2>&1); rc=$?
      { echo "== OPENBLAS_CORETYPE=$ct FC_TEST_THREADS=$th $t: rc $rc"; echo "$out"; } >> "$log"
      worst=$(echo "$out" | grep -E '^worst error / bound' | tail -n 1)
      if [ $rc -eq 0 ]; then
        passed=$((passed+1)); echo "PASS coretype=${ct:-default} threads=$th $t ${worst:+($worst)}"
      else
        failed=$((failed+1)); echo "FAIL coretype=${ct:-default} threads=$th $t"
        echo "$out" | grep -E 'CHECK failed' | head -n 10 | sed 's/^/    /'
      fi
    done
  done
done
echo "numerics matrix: $passed passed, $failed failed (log: $log)"
[ "$failed" -eq 0 ]
