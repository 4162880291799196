#!/usr/bin/env bash
# Faults in the builder, made with real mechanisms: a SIGKILL delivered by strace at the
# rename (and at the first write) of an output, a really full filesystem (a tiny tmpfs in a
# private mount namespace), an unreadable module file (chmod 000, run as an unprivileged
# user when we are root, since root reads it anyway), a secret key others can read.
# Each time: the exit status, a message naming the file and the problem, the previous
# output byte for byte as it was, and no temporary file left where one can be cleaned up.
# usage: builder_faults.sh MODSEAL KERNEL_DIR FIXTURES   (KERNEL_DIR from scripts/fetch-kernel)
set -u
modseal=$(realpath "$1")
kernel_dir=$(realpath "$2")
fixtures=$(realpath "$3")
root=$kernel_dir/root
kver=$(cat "$kernel_dir/kver")
loaded=$fixtures/k8s-node.proc-modules
work=$(mktemp -d /tmp/modseal-faults.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cd "$work" || exit 1

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

# expect CODE NEEDLE... -- COMMAND...: exit status CODE and every NEEDLE in the output.
expect() {
  local code=$1 needles=()
  shift
  while [ "$1" != "--" ]; do needles+=("$1"); shift; done
  shift
  local out rc n
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    bad "'$*' exited $rc, wanted $code; output: $out"
    return
  fi
  for n in "${needles[@]}"; do
    if ! grep -qF -- "$n" <<<"$out"; then
      bad "'$*' output lacks '$n'; output: $out"
      return
    fi
  done
  ok
}

# Temporary files WriteFileAtomic left next to OUTPUT.
temps() { compgen -G "$1.tmp.*"; }
no_temps() { check "! temps '$1' >/dev/null" "temporary file left next to $1: $(temps "$1")"; }
same() { check "cmp -s '$1' '$2'" "$1 changed (should be byte-identical to $2)"; }

# --- a previous generation of every output -------------------------------------------------
setup() { "$@" >/dev/null 2>setup.err || { echo "setup failed: $*: $(cat setup.err)" >&2; exit 1; }; }
setup "$modseal" keygen -o k
setup "$modseal" capture --loaded "$loaded" --root "$root" -o node.manifest
setup "$modseal" sign -k k.key node.manifest
mkdir prev
cp -p k.key k.pub node.manifest node.manifest.minisig prev/
# A different manifest to write over the previous one.
setup "$modseal" capture --loaded "$loaded" --root "$root" --drop veth -o other.manifest
rm setup.err

# --- killed between write and rename (SIGKILL from strace at the rename) --------------------
# No process can clean up after SIGKILL: the complete, fsynced temporary stays behind, but
# the output itself is the previous one, whole.
kill_at() {  # kill_at SYSCALL WHEN COMMAND...: status in $killed_rc, listing before in $before
  local syscall=$1 when=$2
  shift 2
  # shellcheck disable=SC2034  # read by the conditions check evaluates
  before=$(ls -A)
  # The braces take bash's own "Killed" notice to /dev/null too.
  { strace -f -o /dev/null -e trace="$syscall" -e inject="$syscall:signal=SIGKILL:when=$when" \
      "$@" >/dev/null 2>&1; } 2>/dev/null
  killed_rc=$?
}
after_kill() {  # after_kill OUTPUT PREVIOUS MODE: output intact; a leftover is only a temp
  check '[ $killed_rc -eq 137 ]' "$1: the command was not killed (exit $killed_rc)"
  same "$1" "$2"
  local t
  for t in $(temps "$1"); do
    check "[ \"\$(stat -c %a '$t')\" = $3 ]" "leftover $t has mode $(stat -c %a "$t"), not $3"
  done
  rm -f "$1".tmp.*
  check '[ "$(ls -A)" = "$before" ]' "files appeared after a kill: $(ls -A)"
}

kill_at rename 1 "$modseal" sign -k k.key node.manifest
after_kill node.manifest.minisig prev/node.manifest.minisig 644
expect 0 "signature OK" -- "$modseal" verify -p k.pub node.manifest

kill_at rename 1 "$modseal" merge other.manifest other.manifest -o node.manifest
after_kill node.manifest prev/node.manifest 644
expect 0 "signature OK" -- "$modseal" verify -p k.pub node.manifest

kill_at rename 1 "$modseal" capture --loaded "$loaded" --root "$root" --drop veth -o node.manifest
after_kill node.manifest prev/node.manifest 644

# keygen --force: killed at the secret key's rename, the old pair is still the pair, and the
# leftover new secret key is readable by its owner only.
kill_at rename 1 "$modseal" keygen -o k --force
after_kill k.key prev/k.key 600
same k.pub prev/k.pub
expect 0 "signed node.manifest" -- "$modseal" sign -k k.key -x pair.minisig node.manifest
expect 0 "signature OK" -- "$modseal" verify -p k.pub -x pair.minisig node.manifest
rm -f pair.minisig

# Killed in the middle of writing: the first write() is the temporary file's (in modseal as
# built normally; a sanitizer runtime makes writes of its own, so this test is not for those).
kill_at write 1 "$modseal" sign -k k.key node.manifest
after_kill node.manifest.minisig prev/node.manifest.minisig 644

# --- disk full: a 128 KiB tmpfs, filled up, holding the previous outputs --------------------
# The mount exists only in a private mount namespace of the command below (inside a user
# namespace too when not root, where unprivileged user namespaces allow it).
mkdir full
in_namespace=(unshare -m --propagation private)
[ "$(id -u)" -eq 0 ] || in_namespace=(unshare -r -m --propagation private)
"${in_namespace[@]}" bash -c '
  mount -t tmpfs -o size=128k none full || exit 99
  cp prev/node.manifest prev/node.manifest.minisig full/
  dd if=/dev/zero of=full/filler bs=4k 2>/dev/null
  "$1" capture --loaded "$2" --root "$3" --drop veth -o full/node.manifest >full.capture.out 2>&1
  echo $? >full.capture.rc
  "$1" sign -k k.key full/node.manifest >full.sign.out 2>&1
  echo $? >full.sign.rc
  cp full/node.manifest full.node.manifest
  cp full/node.manifest.minisig full.node.manifest.minisig
  ls -A full >full.ls
' sh "$modseal" "$loaded" "$root"
ns_rc=$?
if [ $ns_rc -eq 99 ] || ! [ -e full.ls ]; then
  bad "cannot mount a tmpfs in a private mount namespace (${in_namespace[*]})"
else
  check '[ "$(cat full.capture.rc)" = 2 ]' "capture on a full disk exited $(cat full.capture.rc), wanted 2"
  check 'grep -qF "full/node.manifest: write failed: No space left on device" full.capture.out' \
    "capture on a full disk: unclear error: $(cat full.capture.out)"
  check '[ "$(cat full.sign.rc)" = 2 ]' "sign on a full disk exited $(cat full.sign.rc), wanted 2"
  check 'grep -qF "full/node.manifest.minisig: write failed: No space left on device" full.sign.out' \
    "sign on a full disk: unclear error: $(cat full.sign.out)"
  same full.node.manifest prev/node.manifest
  same full.node.manifest.minisig prev/node.manifest.minisig
  check '[ "$(sort full.ls | tr "\n" " ")" = "filler node.manifest node.manifest.minisig " ]' \
    "full filesystem holds more than before: $(cat full.ls)"
fi
rm -f full.*

# The same through strace, for the write() and fsync() of the temporary file.
expect 2 "node.manifest.minisig: write failed: No space left on device" -- \
  strace -f -o /dev/null -e trace=write -e inject=write:error=ENOSPC:when=1 \
  "$modseal" sign -k k.key node.manifest
same node.manifest.minisig prev/node.manifest.minisig
no_temps node.manifest.minisig
expect 2 "node.manifest: fsync failed: Input/output error" -- \
  strace -f -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=1 \
  "$modseal" merge other.manifest other.manifest -o node.manifest
same node.manifest prev/node.manifest
no_temps node.manifest

# --- an unreadable module file ----------------------------------------------------------------
cp -a "$root" tree
victim=$(sed -n 's/^module virtio_blk \([^ ]*\) .*/\1/p' node.manifest)
victim_path=$work/tree/lib/modules/$kver/$victim
chmod 000 "$victim_path"
mkdir out
chmod 777 out
cp prev/node.manifest out/node.manifest
as_user=()
# root reads a mode-000 file anyway: run as nobody, for whom the mode holds.
[ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# capture names the file as libkmod resolves it (usr/lib/... in a merged-/usr tree).
expect 2 "$(realpath "$work/tree/lib/modules/$kver")/$victim: Permission denied" -- \
  "${as_user[@]}" "$modseal" capture --loaded "$loaded" --root "$work/tree" -o out/node.manifest
same out/node.manifest prev/node.manifest
no_temps out/node.manifest
expect 1 "virtio_blk: cannot hash: $victim_path: Permission denied" \
  "1 of $(grep -c '^module ' node.manifest) module files" -- \
  "${as_user[@]}" "$modseal" verify -p k.pub node.manifest --root "$work/tree"
chmod 644 "$victim_path"

# --- a secret key others can read: refused, as ssh does -----------------------------------------
for mode in 644 640 604 660; do
  chmod "$mode" k.key
  expect 2 "k.key: permissions 0$mode are too open" "chmod 600 k.key" -- \
    "$modseal" sign -k k.key node.manifest
  same node.manifest.minisig prev/node.manifest.minisig
  no_temps node.manifest.minisig
done
chmod 600 k.key
expect 0 "signed node.manifest" -- "$modseal" sign -k k.key node.manifest

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
