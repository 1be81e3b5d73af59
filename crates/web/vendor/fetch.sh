#!/usr/bin/env bash
# Fetches the vendored libraries listed in libraries.txt from the npm
# registry into ../assets/vendor/, with their licences into licenses/, and
# checks each file's SHA-256 against the list. `--update-hashes` writes the
# hashes of what was fetched instead (when a version is bumped on purpose).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
assets="$here/../assets/vendor"
registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
update=false
[[ "${1:-}" == "--update-hashes" ]] && update=true

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$assets" "$here/licenses"
list="$here/libraries.txt"
updated="$work/libraries.txt"
failed=0

while IFS= read -r line; do
  if [[ -z "$line" || "$line" == \#* ]]; then
    echo "$line" >> "$updated"
    continue
  fi
  read -r package version source target hash <<< "$line"
  name="${package//\//-}-$version"
  tarball="$work/$name.tgz"
  unpacked="$work/$name"
  if [[ ! -d "$unpacked" ]]; then
    curl --fail --silent --show-error --location \
      "$registry/$package/-/${package##*/}-$version.tgz" -o "$tarball"
    mkdir -p "$unpacked"
    tar -xzf "$tarball" -C "$unpacked"
    licence="$(find "$unpacked/package" -maxdepth 1 -iname 'LICEN[CS]E*' | head -n 1)"
    if [[ -n "$licence" ]]; then
      cp "$licence" "$here/licenses/$name.LICENSE"
    else
      # Some packages ship no licence file; their package.json names it.
      spdx="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["license"])' "$unpacked/package/package.json")"
      echo "$package@$version ships no licence file; its package.json says: $spdx" \
        > "$here/licenses/$name.LICENSE"
    fi
  fi
  actual="$(sha256sum "$unpacked/$source" | cut -d' ' -f1)"
  if $update; then
    hash="$actual"
  elif [[ "$actual" != "$hash" ]]; then
    echo "SHA-256 mismatch for $package@$version $source: expected $hash, got $actual" >&2
    failed=1
    continue
  fi
  cp "$unpacked/$source" "$assets/$target"
  printf '%-15s %-7s %-40s %-28s %s\n' "$package" "$version" "$source" "$target" "$hash" >> "$updated"
done < "$list"

if $update; then
  cp "$updated" "$list"
fi
exit "$failed"
