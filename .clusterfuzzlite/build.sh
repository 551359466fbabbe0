#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# Builds wscore's fuzz targets the OSS-Fuzz way, for ClusterFuzzLite or OSS-Fuzz: compiler and
# flags from $CXX and $CXXFLAGS, the fuzzing engine from $LIB_FUZZING_ENGINE, and into $OUT each
# target with its seed corpus (<target>_seed_corpus.zip: corpus/<target>/ and the regression
# inputs of fuzz/regressions/<target>/), dictionary (<target>.dict) and options
# (<target>.options). No CMake needed: the core is a directory of C++20 sources.
#
# Locally, from the repository root, with the variables OSS-Fuzz sets for an ASan build:
#   CC=clang CXX=clang++ CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only \
#     -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=build/oss-fuzz/out \
#   WORK=build/oss-fuzz/work .clusterfuzzlite/build.sh

# In the image the sources are in $SRC/wscore (the working directory); locally, the repository.
if [[ -d "${SRC:-}/wscore/fuzz" ]]; then cd "$SRC/wscore"; else cd "$(dirname "$0")/.."; fi
work="${WORK:-build/oss-fuzz/work}/wscore-fuzz-build"
mkdir -p "$work" "$OUT"
work=$(cd "$work" && pwd)

# The target list lives in fuzz/CMakeLists.txt.
targets=$(sed -n '/^set(WSCORE_FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt | tr '()' '  ' |
  tr -s ' \t' '\n' | grep -vE '^(set|WSCORE_FUZZ_TARGETS)?$')

# $CXXFLAGS and $LIB_FUZZING_ENGINE hold several flags each: they are split on purpose.
objects=()
for source in core/src/*.cpp; do
  object="$work/$(basename "${source%.cpp}").o"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS -std=c++20 -Icore/include -c "$source" -o "$object"
  objects+=("$object")
done
rm -f "$work/libwscore_core.a"
ar rcs "$work/libwscore_core.a" "${objects[@]}"

for target in $targets; do
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS -std=c++20 -Icore/include -Ifuzz "fuzz/$target.cpp" "$work/libwscore_core.a" \
    $LIB_FUZZING_ENGINE -lz -o "$OUT/$target"
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
