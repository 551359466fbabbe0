#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest ci.clusterfuzzlite_build: runs .clusterfuzzlite/build.sh the way OSS-Fuzz's `compile`
# runs it in the ClusterFuzzLite image for clang and AddressSanitizer, then checks what it left
# in $OUT: every fuzz target of fuzz/CMakeLists.txt, its seed corpus zip holding exactly
# corpus/<target>/ and fuzz/regressions/<target>/, its dictionary and options, no library from
# outside $OUT but the C and C++ runtimes; and runs every target on its seeds (each seed once,
# then a few hundred inputs more) with the options ClusterFuzzLite would pass.
#   tools/ci/clusterfuzzlite_build_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
rm -rf "$2" && mkdir -p "$2"/{src,out,work,seeds,logs}
root=$(cd "$2" && pwd)
fail() {
  echo "ci.clusterfuzzlite_build: $*" >&2
  exit 1
}

# The image's layout: the sources in $SRC/wscore, the working directory; build.sh in $SRC.
ln -s "$source_dir" "$root/src/wscore"
cp "$source_dir/.clusterfuzzlite/build.sh" "$root/src/build.sh"

# OSS-Fuzz's variables for SANITIZER=address: base-clang's CFLAGS, then base-builder's
# SANITIZER_FLAGS_address and COVERAGE_FLAGS, joined as `compile` joins them. One difference:
# OSS-Fuzz's CXXFLAGS end with -stdlib=libc++, the library its libFuzzer is built against;
# Debian's libFuzzer is built against libstdc++ and does not link with libc++, so the targets
# are built with libstdc++ here, and every source is compiled against libc++ at the end.
export CC=clang CXX=clang++ CCC=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only \
-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope \
-fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SRC="$root/src" OUT="$root/out" WORK="$root/work"
export SANITIZER=address FUZZING_ENGINE=libfuzzer FUZZING_LANGUAGE=c++ ARCHITECTURE=x86_64
started=$SECONDS
(cd "$SRC/wscore" && bash -eux "$SRC/build.sh") >"$root/logs/build.log" 2>&1 ||
  { tail -50 "$root/logs/build.log" >&2; fail "build.sh failed (log: $root/logs/build.log)"; }
echo "build.sh: $((SECONDS - started)) s"

cd "$source_dir"
mapfile -t targets < <(sed -n '/^set(WSCORE_FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt |
  tr '()' '  ' | tr -s ' \t' '\n' | grep -vE '^(set|WSCORE_FUZZ_TARGETS)?$')
((${#targets[@]} > 0)) || fail "no targets in fuzz/CMakeLists.txt"

files_in() {  # files_in DIR...: how many files the directories that exist hold
  local count=0 directory
  for directory; do
    [[ -d "$directory" ]] && count=$((count + $(find "$directory" -type f | wc -l)))
  done
  echo "$count"
}

# What a target may load from outside $OUT: the runtimes every Linux machine has.
runtimes='(^|/)(linux-vdso\.so|ld-linux-x86-64\.so|libc\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so)'

for target in "${targets[@]}"; do
  binary="$OUT/$target"
  [[ -x "$binary" ]] || fail "$target: no executable $binary"

  seeds="$root/seeds/$target"
  mkdir -p "$seeds"
  expected=$(files_in "corpus/$target" "fuzz/regressions/$target")
  ((expected > 0)) || fail "$target: no seeds in corpus/$target"
  [[ -f "$OUT/${target}_seed_corpus.zip" ]] || fail "$target: no ${target}_seed_corpus.zip"
  unzip -q "$OUT/${target}_seed_corpus.zip" -d "$seeds"
  found=$(find "$seeds" -type f | wc -l)
  ((found == expected)) || fail "$target: the seed zip holds $found files, the tree $expected"

  for extra in dict options; do
    if [[ -f "fuzz/$target.$extra" ]]; then
      cmp -s "fuzz/$target.$extra" "$OUT/$target.$extra" || fail "$target: no $target.$extra"
    fi
  done

  # Each library `name => path`: found, and either in $OUT or one of the runtimes.
  while read -r name path; do
    [[ "$path" != "not found" ]] || fail "$target: $name not found"
    [[ "$name" =~ $runtimes || "$path" == "$OUT"/* ]] || fail "$target: loads $path, not in \$OUT"
  done < <(ldd "$binary" | sed -nE 's/^[[:space:]]*([^ ]+)( => ([^(]*[^ (]))?.*/\1 \3/p')

  # The options ClusterFuzzLite passes: [libfuzzer] name = value from <target>.options.
  arguments=(-runs=$((found + 300)) "-artifact_prefix=$root/logs/$target-")
  if [[ -f "$OUT/$target.options" ]]; then
    option='s/^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*([^[:space:]]+).*/-\1=\2/p'
    mapfile -t options < <(sed -nE "/^\[libfuzzer\]/,/^\[/ $option" "$OUT/$target.options")
    arguments+=("${options[@]}")
  fi
  [[ -f "$OUT/$target.dict" ]] && arguments+=("-dict=$OUT/$target.dict")
  log="$root/logs/$target.log"
  echo "$binary ${arguments[*]} $seeds" >"$log"
  "$binary" "${arguments[@]}" "$seeds" >>"$log" 2>&1 ||
    { tail -40 "$log" >&2; fail "$target failed on its seeds (log: $log)"; }
  grep -q 'INITED' "$log" || fail "$target: libFuzzer did not load its seeds (log: $log)"
  runs=$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$log")
  ((${runs:-0} > found)) || fail "$target: ${runs:-no} runs for $found seeds (log: $log)"
  printf '%-20s %4d seeds, %5d runs: ok\n' "$target" "$found" "$runs"
done

# OSS-Fuzz compiles with -stdlib=libc++: every source above, against libc++ (syntax only).
sources=(core/src/*.cpp)
for target in "${targets[@]}"; do sources+=("fuzz/$target.cpp"); done
# shellcheck disable=SC2086
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 1 \
  $CXX $CXXFLAGS -stdlib=libc++ -std=c++20 -Icore/include -Ifuzz -fsyntax-only ||
  fail "a source does not compile against libc++ (libc++-14-dev, installed by tools/setup)"
echo "libc++: ${#sources[@]} sources compile"
echo "ci.clusterfuzzlite_build: ${#targets[@]} targets built and run in $((SECONDS - started)) s"
