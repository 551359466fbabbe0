#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest ci.yamllint: the GitHub workflows, the ClusterFuzzLite project file, this test's config
# and every ```yaml block of the README (the .gitlab-ci.yml jobs) with Debian's yamllint, under
# tools/ci/yamllint.yaml, warnings failing the test as errors do.
#   tools/ci/yamllint_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
cd "$1"
work=$2
rm -rf "$work" && mkdir -p "$work"

# The README's yaml blocks, one file each: readme-1.yaml, readme-2.yaml, ...
awk -v dir="$work" '
  /^```yaml$/ { file = sprintf("%s/readme-%d.yaml", dir, ++blocks); next }
  /^```/ { file = "" }
  file != "" { print > file }
' README.md
shopt -s nullglob
workflows=(.github/workflows/*.yml)
snippets=("$work"/readme-*.yaml)
((${#workflows[@]} > 0)) || { echo "ci.yamllint: no workflow in .github/workflows/" >&2; exit 1; }
((${#snippets[@]} > 0)) || { echo "ci.yamllint: no yaml block in README.md" >&2; exit 1; }

yamllint --strict -c tools/ci/yamllint.yaml "${workflows[@]}" .clusterfuzzlite/project.yaml \
  tools/ci/yamllint.yaml "${snippets[@]}"
echo "ci.yamllint: ${#workflows[@]} workflows, ${#snippets[@]} README blocks and 2 files clean"
