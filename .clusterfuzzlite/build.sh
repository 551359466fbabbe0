#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# Builds wscore's fuzz targets the OSS-Fuzz way, for ClusterFuzzLite or OSS-Fuzz: compiler and
# flags from $CXX and $CXXFLAGS, the fuzzing engine from $LIB_FUZZING_ENGINE, and into $OUT each
# target with its seed corpus (<target>_seed_corpus.zip: corpus/<target>/ and the regression
# inputs of fuzz/regressions/<target>/), dictionary (<target>.dict) and options
# (<target>.options). No CMake needed: the core is a directory of C++20 sources.
#
# The fuzzers run where only $OUT is copied (OSS-Fuzz's "fuzzer environment"), so they need no
# library beyond the C and C++ runtimes: zlib is linked statically, and libwslay, which only
# frame_differential uses and which Debian and Ubuntu ship as a shared library only, is copied
# to $OUT/lib, where that target's RUNPATH ($ORIGIN/lib) finds it.
#
# ctest runs this script the way OSS-Fuzz's `compile` does, with its variables for clang and
# AddressSanitizer, and then every target it built (tools/ci/clusterfuzzlite_build_test.sh).

# In the image the sources are in $SRC/wscore (the working directory); locally, the repository.
if [[ -d "${SRC:-}/wscore/fuzz" ]]; then cd "$SRC/wscore"; else cd "$(dirname "$0")/.."; fi
work="${WORK:-build/oss-fuzz/work}/wscore-fuzz-build"
mkdir -p "$work" "$OUT"
work=$(cd "$work" && pwd)

# The target list lives in fuzz/CMakeLists.txt.
targets=$(sed -n '/^set(WSCORE_FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt | tr '()' '  ' |
  tr -s ' \t' '\n' | grep -vE '^(set|WSCORE_FUZZ_TARGETS)?$')

# Compiles run side by side, one per core; a failed one stops the script when it is waited for.
jobs=$(nproc)
running=()
start() {
  if ((${#running[@]} >= jobs)); then
    wait "${running[0]}"
    running=("${running[@]:1}")
  fi
  "$@" &
  running+=($!)
}
finish() {
  local pid
  for pid in "${running[@]}"; do wait "$pid"; done
  running=()
}

# $CXXFLAGS and $LIB_FUZZING_ENGINE hold several flags each: they are split on purpose.
objects=()
for source in core/src/*.cpp; do
  object="$work/$(basename "${source%.cpp}").o"
  # shellcheck disable=SC2086
  start $CXX $CXXFLAGS -std=c++20 -Icore/include -c "$source" -o "$object"
  objects+=("$object")
done
finish
rm -f "$work/libwscore_core.a"
ar rcs "$work/libwscore_core.a" "${objects[@]}"

uses_wslay=0
for target in $targets; do
  libraries=(-l:libz.a)
  if grep -q '<wslay/wslay.h>' "fuzz/$target.cpp"; then
    libraries+=(-lwslay '-Wl,-rpath,$ORIGIN/lib')
    uses_wslay=1
  fi
  # shellcheck disable=SC2086
  start $CXX $CXXFLAGS -std=c++20 -Icore/include -Ifuzz "fuzz/$target.cpp" \
    "$work/libwscore_core.a" $LIB_FUZZING_ENGINE "${libraries[@]}" -o "$OUT/$target"
done
finish
if ((uses_wslay)); then
  mkdir -p "$OUT/lib"
  cp -L "$($CXX -print-file-name=libwslay.so.1)" "$OUT/lib/"
fi

for target in $targets; do
  rm -f "$OUT/${target}_seed_corpus.zip"
  seeds=(corpus/"$target"/* fuzz/regressions/"$target"/*)
  existing=()
  for seed in "${seeds[@]}"; do [[ -f "$seed" ]] && existing+=("$seed"); done
  ((${#existing[@]})) && zip -q -j "$OUT/${target}_seed_corpus.zip" "${existing[@]}"
  [[ -f "fuzz/$target.dict" ]] && cp "fuzz/$target.dict" "$OUT/$target.dict"
  [[ -f "fuzz/$target.options" ]] && cp "fuzz/$target.options" "$OUT/$target.options"
done
echo "built: $targets" | tr '\n' ' '
echo
