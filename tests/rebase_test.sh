#!/bin/bash
# modseal rebase between real Debian kernels: the Kubernetes node fixture captured against
# the Debian 12 cloud kernel, carried to Debian 13's 6.12 and to Debian 12's generic kernel.
# Asserted as relations: the result is for the new release and verifies against its tree;
# every module that left is built into the new kernel or no longer needed, as `diff` agrees.
set -euo pipefail
modseal=$(readlink -f "$1") kernels=$(readlink -f "$2") fixtures=$(readlink -f "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
kver() { cat "$kernels/$1/kver"; }

"$modseal" keygen -o k >/dev/null
"$modseal" capture --loaded "$fixtures/k8s-node.proc-modules" --root "$kernels/cloud/root" \
  --kver "$(kver cloud)" -o node.manifest 2>/dev/null
for target in trixie generic; do
  root=$kernels/$target/root
  new=$(kver "$target")
  "$modseal" rebase node.manifest --root "$root" --kver "$new" --allow-missing \
    -o "$target.manifest" 2>"$target.log" || fail "rebase to $target: $(cat "$target.log")"
  echo "== rebase to $new"
  cat "$target.log"
  grep -qx "kernel $new" "$target.manifest" || fail "$target.manifest is not for $new"
  "$modseal" sign -k k.key "$target.manifest" >/dev/null
  "$modseal" verify -p k.pub "$target.manifest" --root "$root" >/dev/null ||
    fail "$target.manifest does not verify against $root"
  # What left, by diff and by rebase's own report, is the same set.
  rc=0
  "$modseal" diff node.manifest "$target.manifest" >"$target.diff" || rc=$?
  [ "$rc" = 1 ] || fail "diff of two releases exited $rc"
  sort <(sed -n 's/^- \([^ ]*\) .*/\1/p' "$target.diff") >diff.left
  sort <(sed -n 's/^  - \([^ ]*\) .*/\1/p' "$target.log") >rebase.left
  cmp -s diff.left rebase.left || fail "rebase and diff disagree on what left ($target)"
  # A module that left is built in (and said so), or nothing in the new tree needs it.
  while read -r m; do
    if grep -q "^  - $m .*: built into $new" "$target.log"; then
      grep -q "/$m.ko" "$root/lib/modules/$new/modules.builtin" ||
        fail "$m is said to be built into $new, modules.builtin disagrees"
    elif grep '^module ' "$target.manifest" | awk '{print $6}' | tr , '\n' | grep -qx "$m"; then
      fail "$m left but a module of $target.manifest still depends on it"
    fi
  done <rebase.left
  # Every loaded or added root is carried over, or reported by name.
  for m in $(grep '^module ' node.manifest | awk '$5 == "loaded" || $5 == "added" {print $2}'); do
    grep -q "^module $m " "$target.manifest" || grep -q "^  $m (" "$target.log" ||
      fail "root $m is neither in $target.manifest nor reported"
  done
done
# A release whose tree is absent: an error naming it, nothing written.
if "$modseal" rebase node.manifest --root "$kernels/cloud/root" --kver 9.9.9-none \
    -o never.manifest 2>err.log; then fail "rebase to an absent tree succeeded"; fi
[ ! -e never.manifest ] || fail "a failed rebase left an output file"
grep -q "9.9.9-none" err.log || fail "the error does not name the release: $(cat err.log)"
echo "rebase: ok"
