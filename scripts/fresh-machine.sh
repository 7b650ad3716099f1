#!/usr/bin/env bash
# Replays a newcomer's first commands as on a fresh machine: a fresh clone of this repository's
# HEAD, an empty HOME (so an empty npm cache and pnpm store, no ~/.npmrc), no pnpm on PATH, no
# npm_config_* variables. Then the README's two commands, typed as written, each timed.
#
#   scripts/fresh-machine.sh [WORK_DIR]     (default: a new temporary folder, removed on success)
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/hush-fresh.XXXXXX")}
mkdir -p "$work/home" "$work/bin"

# PATH as a machine without pnpm has it: every command of the usual folders but pnpm's.
IFS=: read -r -a dirs <<< "$PATH"
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  for cmd in "$dir"/*; do
    name=$(basename "$cmd")
    case "$name" in pnpm | pnpx | pn | pnx | corepack) continue ;; esac
    [ -e "$work/bin/$name" ] || ln -s "$cmd" "$work/bin/$name"
  done
done

git clone -q "$repo" "$work/clone"
cd "$work/clone"
commands=$(awk '/^```/{n++; next} n==1' README.md | sed 's/[[:space:]]#.*$//; s/[[:space:]]*$//' | grep -v '^[[:space:]]*$' | head -2)
while IFS= read -r command; do
  echo "fresh-machine: \$ $command" >&2
  start=$(date +%s)
  env -i PATH="$work/bin" HOME="$work/home" TERM="${TERM:-dumb}" LANG="${LANG:-C.UTF-8}" bash -c "$command"
  echo "fresh-machine: '$command' passed in $(( $(date +%s) - start )) s" >&2
done <<< "$commands"
[ -n "${1:-}" ] || rm -rf "$work"
