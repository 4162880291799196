# shellcheck shell=bash
# Shared by the QEMU boot tests and scripts/demo: disks, dracut images, boots, assertions.
# Sourced; expects MODSEAL_BUILD (the CMake build tree). Every artefact lives under
# $MODSEAL_BUILD/qemu, every boot log under $MODSEAL_BUILD/qemu/logs.
# MODSEAL_INSTALLED=1 tests the installed package instead of the build tree: modseal and
# modseal-hook from PATH, dracut's own module directory (where the package put 50modseal),
# and no binary paths in dracut.conf.d; artefacts go to $MODSEAL_BUILD/qemu-installed.

set -euo pipefail
shopt -s inherit_errexit

QT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QT_TOP=$(cd "$QT_SRC/.." && pwd)
: "${MODSEAL_BUILD:?set MODSEAL_BUILD to the build tree}"
MODSEAL_BUILD=$(cd "$MODSEAL_BUILD" && pwd)
MODSEAL_INSTALLED=${MODSEAL_INSTALLED:-0}
if [ "$MODSEAL_INSTALLED" = 1 ]; then
  QT_WORK=${QT_WORK:-$MODSEAL_BUILD/qemu-installed}
  MODSEAL=$(command -v modseal) || { echo "FAIL: modseal is not installed" >&2; exit 1; }
  MODSEAL_HOOK=$(PATH=$PATH:/usr/sbin:/sbin command -v modseal-hook) ||
    { echo "FAIL: modseal-hook is not installed" >&2; exit 1; }
  QT_MODULE_DIR=$(pkg-config --variable=dracutmodulesdir dracut)/50modseal
  [ -e "$QT_MODULE_DIR/module-setup.sh" ] || { echo "FAIL: no $QT_MODULE_DIR" >&2; exit 1; }
else
  QT_WORK=${QT_WORK:-$MODSEAL_BUILD/qemu}
  QT_MODULE_DIR=$QT_TOP/dracut-module/50modseal
fi
# The key images trust; qt_make_keys also makes "other", which they do not.
QT_KEY=${QT_KEY:-$QT_WORK/keys/test}
QT_LOGS=$QT_WORK/logs
MODSEAL=${MODSEAL:-$MODSEAL_BUILD/builder/modseal}
MODSEAL_HOOK=${MODSEAL_HOOK:-$MODSEAL_BUILD/hook/modseal-hook}
# A test program, never installed: from the build tree in both modes.
QT_AUTOLOAD_PROBE=${QT_AUTOLOAD_PROBE:-$MODSEAL_BUILD/qemu-tests/autoload-probe}
QT_BOOT_TIMEOUT=${QT_BOOT_TIMEOUT:-240}
mkdir -p "$QT_WORK" "$QT_LOGS"

qt_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Runs "$@" while holding a lock named $1, so parallel tests build a shared artefact once.
qt_locked() {
  local name=$1
  shift
  mkdir -p "$QT_WORK/locks"
  (
    flock 9
    "$@"
  ) 9>"$QT_WORK/locks/$name"
}

# Sets KROOT and KVER for a kernel flavour (cloud or generic), fetched under the build tree.
qt_kernel() {
  local out
  KFLAVOUR=$1
  out=$(qt_locked "kernel-$1" "$QT_TOP/scripts/fetch-kernel" "$1" "$MODSEAL_BUILD/kernels")
  KROOT=${out% *}
  KVER=${out##* }
}

# dracut reads modules from dracutbasedir: a farm of links to the installed dracut plus
# this repository's module, so tests never need `cmake --install`; the installed package
# is tested with dracut as it is.
qt_dracut_base() {
  if [ "$MODSEAL_INSTALLED" = 1 ]; then
    dirname "$(dirname "$QT_MODULE_DIR")"
    return 0
  fi
  qt_locked dracut-base qt_make_dracut_base
  echo "$QT_WORK/dracut-base"
}

qt_make_dracut_base() {
  local base=$QT_WORK/dracut-base
  [ -e "$base/.done" ] && return 0
  rm -rf "$base"
  mkdir -p "$base/modules.d"
  local f
  for f in /usr/lib/dracut/*; do
    [ "$(basename "$f")" = modules.d ] || ln -s "$f" "$base/"
  done
  for f in /usr/lib/dracut/modules.d/*; do
    # An installed package's copy must not stand in for the one under test.
    [ "$(basename "$f")" = 50modseal ] || ln -s "$f" "$base/modules.d/"
  done
  ln -s "$QT_MODULE_DIR" "$base/modules.d/50modseal"
  touch "$base/.done"
}

# Copies a host binary and the shared libraries it needs into a root directory.
qt_install_binary() {
  local root=$1 bin=$2 dest=$3 lib
  install -D -m 0755 "$bin" "$root$dest"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    [ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
  done
}

# The real root every guest boots into: busybox-static, kmod's tools, modseal, and an init
# that runs the test named by modseal_test= and powers off. One image serves every kernel;
# boots use it with snapshot=on, so it is never changed. qt_make_root_disk IMG [ADD]: ADD,
# a function, puts more files into the tree first (given the tree's directory).
qt_make_root_disk() {
  local img=${1:-$QT_WORK/root.img} add=${2:-}
  local stamp
  stamp="$({ cat "$QT_SRC/guest-init" "$MODSEAL" "$MODSEAL_HOOK" "$QT_AUTOLOAD_PROBE"; [ -z "$add" ] || declare -f "$add"; } | sha256sum)"
  if [ -e "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  local dir=$img.tree
  rm -rf "$dir"
  mkdir -p "$dir"/{bin,sbin,dev,proc,sys,run,tmp,root,etc,lib/modules,out}
  install -m 0755 /bin/busybox "$dir/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
  done
  rm -f "$dir/bin/modprobe" "$dir/bin/insmod" "$dir/bin/lsmod" "$dir/bin/rmmod"
  qt_install_binary "$dir" "$(command -v kmod)" /sbin/kmod
  for applet in modprobe insmod lsmod rmmod modinfo; do ln -s kmod "$dir/sbin/$applet"; done
  qt_install_binary "$dir" "$MODSEAL" /usr/bin/modseal
  # As the package installs it: kernel.modprobe on the sealed real root.
  qt_install_binary "$dir" "$MODSEAL_HOOK" /usr/sbin/modseal-hook
  mkdir -p "$dir/usr/lib/modseal"
  ln -s ../../sbin/modseal-hook "$dir/usr/lib/modseal/blocked-modprobe"
  install -m 0755 "$QT_AUTOLOAD_PROBE" "$dir/usr/bin/autoload-probe"
  # tpm2-tools is one binary that dispatches on its name; the TCTI it dlopens is no ldd
  # dependency.
  qt_install_binary "$dir" "$(readlink -f "$(command -v tpm2_pcrread)")" /usr/bin/tpm2_pcrread
  local tcti
  tcti=$(readlink -f /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0)
  install -D -m 0644 "$tcti" "$dir/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"
  install -m 0755 "$QT_SRC/guest-init" "$dir/sbin/init"
  # systemd's switch-root refuses a root without os-release.
  printf 'ID=modseal-test\nNAME="modseal test guest"\n' >"$dir/etc/os-release"
  [ -z "$add" ] || "$add" "$dir"
  rm -f "$img.tmp"
  mke2fs -q -t ext4 -d "$dir" "$img.tmp" 128M >/dev/null
  mv "$img.tmp" "$img"
  echo "$stamp" >"$img.stamp"
}

# A read-only disk with the kernel's module tree, mounted on /lib/modules in the guest, so
# the guest can be a reference host (capture) and can try modprobe/insmod after the lock.
qt_make_modules_disk() {
  local img=$QT_WORK/$1/modules.img
  [ -e "$img" ] && return 0
  mkdir -p "$QT_WORK/$1"
  local mb
  mb=$(du -sm "$KROOT/lib/modules" | cut -f1)
  rm -f "$img.tmp"
  mke2fs -q -t ext4 -d "$KROOT/lib/modules" "$img.tmp" "$((mb * 5 / 4 + 32))M" >/dev/null
  mv "$img.tmp" "$img"
}

# The signing key the tests trust, and a second one they do not.
qt_make_keys() {
  mkdir -p "$QT_WORK/keys" "$(dirname "$QT_KEY")"
  [ -e "$QT_KEY.pub" ] || "$MODSEAL" keygen -o "$QT_KEY" >/dev/null
  [ -e "$QT_WORK/keys/other.pub" ] || "$MODSEAL" keygen -o "$QT_WORK/keys/other" >/dev/null
}

# Writes the dracut.conf.d drop-in for an image: "key=value" arguments override defaults.
qt_dracut_conf() {
  local confdir=$1 manifest=$2
  shift 2
  mkdir -p "$confdir"
  {
    echo "modseal_manifest=$manifest"
    echo "modseal_pubkeys=\"$QT_KEY.pub\""
    if [ "$MODSEAL_INSTALLED" != 1 ]; then
      echo "modseal_hook_binary=$MODSEAL_HOOK"
      echo "modseal_builder_binary=$MODSEAL"
    fi
    local kv
    for kv in "$@"; do echo "modseal_$kv"; done
  } >"$confdir/50-modseal.conf"
}

# qt_build_initrd OUT FLAVOUR(shell|systemd) [--plain] [conf key=value...] [-- dracut args...]
# An uncompressed image (fast to build and to append to) from the extracted kernel tree.
# --plain leaves modseal out and adds the drivers the guest needs: the unsealed reference
# host. Otherwise the image is sealed with the flavour's signed manifest (QT_MANIFEST: another).
qt_build_initrd() {
  local out=$1 flavour=$2
  shift 2
  local modules="bash base rootfs-block udev-rules"
  [ "$flavour" = systemd ] && modules="$modules systemd systemd-initrd dracut-systemd"
  local extra=() conf=()
  local confdir=$out.conf.d
  rm -rf "$confdir"
  mkdir -p "$confdir"
  if [ "${1:-}" = --plain ]; then
    shift
    extra=(--drivers "virtio_pci virtio_blk ext4")
  else
    modules="$modules modseal"
    while [ $# -gt 0 ] && [ "$1" != -- ]; do conf+=("$1"); shift; done
    [ "${1:-}" != -- ] || shift
    extra=("$@")
    qt_dracut_conf "$confdir" "${QT_MANIFEST:-$QT_WORK/$KFLAVOUR/guest.manifest}" "${conf[@]}"
  fi
  qt_dracut "$out" "$confdir" --no-hostonly --no-compress -m "$modules" "${extra[@]}"
}

# qt_manifest_from_names OUT ROOT NAME...: a signed manifest of NAME... against the tree
# ROOT, as `capture --loaded` makes it from a saved /proc/modules.
qt_manifest_from_names() {
  local out=$1 root=$2 name
  shift 2
  for name in "$@"; do echo "$name 16384 0 - Live 0x0000000000000000"; done >"$out.loaded"
  "$MODSEAL" capture --loaded "$out.loaded" --root "$root" --kver "$KVER" -o "$out" >/dev/null
  "$MODSEAL" sign -k "$QT_KEY.key" "$out" >/dev/null
}

# qt_dracut OUT CONFDIR ARGS...: the one way the tests and benchmarks run dracut, against
# the extracted kernel tree, with modules from QT_DRACUT_BASE (default: qt_dracut_base).
# The log is OUT.dracut.log; on failure it is printed and no OUT is left.
qt_dracut() {
  local out=$1 confdir=$2
  shift 2
  local base=${QT_DRACUT_BASE:-$(qt_dracut_base)}
  if ! dracutbasedir=$base dracut --force --quiet --no-early-microcode --kver "$KVER" \
      --kmoddir "$KROOT/lib/modules/$KVER" --confdir "$confdir" --conf /dev/null "$@" \
      "$out.tmp" >"$out.dracut.log" 2>&1 </dev/null; then
    cat "$out.dracut.log" >&2
    rm -f "$out.tmp"
    return 1
  fi
  mv "$out.tmp" "$out"
}

# Variant images are shared by tests: built once under a lock, rebuilt when the dracut
# module, the hook, the manifest or the settings change.
qt_image() {
  local name=$1
  shift
  local out=$QT_WORK/$KFLAVOUR/images/$name.img
  mkdir -p "$(dirname "$out")"
  local stamp
  local inputs=("$QT_MODULE_DIR"/* "$MODSEAL_HOOK")
  [ "${2:-}" = --plain ] || inputs+=("$QT_WORK/$KFLAVOUR/guest.manifest")
  stamp=$({ echo "$*"; cat "${inputs[@]}"; } | sha256sum)
  qt_dracut_base >/dev/null
  qt_locked "image-$KFLAVOUR-$name" qt_build_initrd_once "$out" "$stamp" "$@"
  echo "$out"
}

qt_build_initrd_once() {
  local out=$1 stamp=$2
  shift 2
  [ -e "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  rm -f "$out" "$out.stamp"
  qt_build_initrd "$out" "$@" >&2
  echo "$stamp" >"$out.stamp"
}

# Debian's lynis, unpacked from the archive into the build tree once: never installed on
# the host, whose package would enable a weekly scan there.
qt_fetch_lynis() {
  local dir=$QT_WORK/lynis
  [ -x "$dir/tree/usr/sbin/lynis" ] && return 0
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && apt-get download lynis >"$dir/download.log" 2>&1) ||
    qt_fail "apt-get download lynis failed: $(cat "$dir/download.log")"
  dpkg-deb -x "$dir"/lynis_*.deb "$dir/tree.tmp"
  mv "$dir/tree.tmp" "$dir/tree"
}

# A root disk ADD (qt_make_root_disk): lynis, and the accounts it asks for.
qt_add_lynis() {
  local tree=$QT_WORK/lynis/tree
  mkdir -p "$1/usr/share" "$1/usr/sbin" "$1/var/log"
  cp -a "$tree/usr/share/lynis" "$1/usr/share/"
  cp -a "$tree/usr/sbin/lynis" "$1/usr/sbin/"
  cp -a "$tree/etc/lynis" "$1/etc/"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
}

# Everything the boots share: keys, the real root disk, the kernel's module disk.
qt_prepare() {
  qt_locked keys qt_make_keys
  qt_locked root-disk qt_make_root_disk "$QT_WORK/root.img"
  qt_locked "modules-$KFLAVOUR" qt_make_modules_disk "$KFLAVOUR"
}

# qt_tamper IN OUT DIR: appends DIR as a second cpio archive. The kernel unpacks archives
# in order and a later file replaces an earlier one, so this edits an image after dracut
# built it (dracut rightly refuses to build a tampered one), without unpacking anything.
# Refuses a compressed IN: the kernel ignores what follows a compressed archive ("invalid
# magic at start of compressed archive") and would boot the untampered image.
qt_tamper() {
  local in=$1 out=$2 dir=$3
  qt_is_uncompressed_image "$in" ||
    qt_fail "qt_tamper: $in is compressed; the kernel would ignore the appended files" \
      "(qt_uncompressed_image rewrites it)"
  cp "$in" "$out.tmp"
  (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >>"$out.tmp"
  mv "$out.tmp" "$out"
}

# The first six bytes of FILE in hex ("303730373031" is newc cpio's "070701").
qt_magic() {
  od -An -tx1 -N6 "$1" | tr -d ' \n'
}

# True if every archive of the image is a plain newc cpio: the first, and whatever follows
# it (dracut's early cpio is followed by the main archive, compressed by default).
qt_is_uncompressed_image() {
  [ "$(qt_magic "$1")" = 303730373031 ] || return 1
  local rest
  rest=$(mktemp)
  /usr/lib/dracut/skipcpio "$1" >"$rest"
  local magic
  magic=$(qt_magic "$rest")
  rm -f "$rest"
  [ -z "$magic" ] || [ "$magic" = 000000000000 ] || [ "$magic" = 303730373031 ]
}

# qt_uncompressed_image IN OUT: IN's main archive, decompressed, as one plain cpio (the
# early microcode archive left out: a VM needs none).
qt_uncompressed_image() {
  local in=$1 out=$2
  if [ "$(qt_magic "$in")" = 303730373031 ]; then
    /usr/lib/dracut/skipcpio "$in" >"$out.main"
  else
    cp "$in" "$out.main"
  fi
  local unpack
  case "$(qt_magic "$out.main")" in
    28b52ffd*) unpack=(zstd -dcq) ;;
    fd377a585a00) unpack=(xz -dc) ;;
    1f8b*) unpack=(gzip -dc) ;;
    303730373031) unpack=(cat) ;;
    *) qt_fail "qt_uncompressed_image: $in: unknown archive format (magic $(qt_magic "$out.main"))" ;;
  esac
  "${unpack[@]}" <"$out.main" >"$out.tmp" || qt_fail "qt_uncompressed_image: decompressing $in failed"
  rm -f "$out.main"
  qt_is_uncompressed_image "$out.tmp" || qt_fail "qt_uncompressed_image: $out is not one plain cpio"
  mv "$out.tmp" "$out"
}

qt_boot() {
  local name=$1 initrd=$2 test=$3
  shift 3
  local log=$QT_LOGS/$name.log
  local drives=(
    -drive "file=${QT_ROOT_IMG:-$QT_WORK/root.img},if=virtio,format=raw,snapshot=on"
    -drive "file=$QT_WORK/$KFLAVOUR/modules.img,if=virtio,format=raw,readonly=on"
  )
  if [ "$test" = capture ] || [ "$test" = bench ] || [ "$test" = workload ]; then
    QT_OUT=$QT_WORK/$KFLAVOUR/out-$name.img
    rm -f "$QT_OUT"
    truncate -s 4M "$QT_OUT"
    drives+=(-drive "file=$QT_OUT,if=virtio,format=raw")
  fi
  local rc=0 tpm=() tpmdir='' swtpm_pid=''
  if [ -n "${QT_TPM:-}" ]; then
    # A fresh software TPM 2.0 per boot; its socket path must fit sun_path, so under /tmp.
    tpmdir=$(mktemp -d /tmp/modseal-swtpm.XXXXXX)
    swtpm socket --tpm2 --tpmstate "dir=$tpmdir" --ctrl "type=unixio,path=$tpmdir/sock" \
      --terminate --log "file=$tpmdir/log" &
    swtpm_pid=$!
    local waited=0
    while [ ! -S "$tpmdir/sock" ] && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    [ -S "$tpmdir/sock" ] || qt_fail "swtpm did not start: $(cat "$tpmdir/log" 2>/dev/null)"
    tpm=(-chardev "socket,id=chrtpm,path=$tpmdir/sock" -tpmdev "emulator,id=tpm0,chardev=chrtpm"
         -device "tpm-tis,tpmdev=tpm0")
  fi
  local start=$SECONDS
  # shellcheck disable=SC2086
  timeout --foreground -k 5 "$QT_BOOT_TIMEOUT" qemu-system-x86_64 -m 512 ${QT_QEMU_ARGS:-} -nographic \
    -no-reboot -nodefaults -serial stdio -kernel "$KROOT/boot/vmlinuz-$KVER" \
    -initrd "$initrd" "${drives[@]}" "${tpm[@]}" \
    -append "console=ttyS0 root=/dev/vda rootfstype=ext4 rw panic=-1 ${QT_SHELL_ARGS:-rd.shell=0 rd.emergency=poweroff} rd.retry=5 rd.timeout=30 modseal_test=$test $*" \
    </dev/null >"$log" 2>&1 || rc=$?
  if [ -n "$tpmdir" ]; then
    # It ends with QEMU's connection (--terminate), unless QEMU never connected.
    kill "$swtpm_pid" 2>/dev/null || true
    wait "$swtpm_pid" 2>/dev/null || true
    rm -rf "$tpmdir"
  fi
  # Strip carriage returns and escape codes so the log reads (and greps) as text.
  sed -i 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g' "$log"
  echo "boot $name: $((SECONDS - start)) s, qemu exit $rc, log $log"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    qt_fail "boot $name hit the ${QT_BOOT_TIMEOUT}s timeout; log: $log"
  fi
  QT_LOG=$log
}

# Where a file of an image really lives (lib may be a link to usr/lib).
qt_image_path() {
  local list
  list=$(cpio -t --quiet <"$1")
  # Exact names: a release (6.12.118+deb13) is no regular expression.
  awk -v want="$2" '$0 == want || substr($0, length($0) - length(want)) == "/" want {
      print; found = 1; exit } END { exit !found }' <<<"$list" || qt_fail "no $2 in $1"
}

# qt_plain_module NAME OUT: the tree's module NAME as a plain ELF file, whatever the tree's
# compression, for tests that load it by hand (busybox insmod decompresses no zstd).
qt_plain_module() {
  local dir=$KROOT/lib/modules/$KVER path
  path=$(sed -n "s|^\([^:]*/$1\.ko[.a-z]*\):.*|\1|p" "$dir/modules.dep" | head -n 1)
  [ -n "$path" ] || qt_fail "no module $1 in $dir"
  qt_decompress_module "$dir/$path" "$2"
}

# qt_decompress_module FILE OUT: a module file (.ko, .ko.xz, .ko.zst) as plain ELF.
qt_decompress_module() {
  case "$1" in
    *.ko) cp "$1" "$2" ;;
    *.ko.xz) xz -dc "$1" >"$2" ;;
    *.ko.zst) zstd -dcq "$1" >"$2" ;;
    *) qt_fail "qt_decompress_module: $1: a compression this rig does not know" ;;
  esac
}

# qt_capture_in_guest NAME MANIFEST: boots the guest unsealed, as the reference host, runs
# `modseal capture` in it and writes the manifest it hands out on its third disk.
# systemd's initrd loads autofs4 itself, so the reference host runs that flavour.
qt_capture_in_guest() {
  local name=$1 manifest=$2 img
  img=$(qt_image plain systemd --plain)
  qt_boot "$name" "$img" capture
  qt_expect_marker capture ok
  tr -d '\0' <"$QT_OUT" >"$manifest.tmp"
  mv "$manifest.tmp" "$manifest"
}

# qt_fault_module_bytes IMG DIR MANIFEST MODULE: fills DIR with MODULE's file plus one
# byte, at its path in IMG, for qt_tamper: the image's copy no longer has its hash.
qt_fault_module_bytes() {
  local img=$1 dir=$2 manifest=$3 module=$4 path ko
  path=$(qt_module_path "$manifest" "$module")
  ko=$(qt_image_path "$img" "lib/modules/$KVER/$path")
  mkdir -p "$dir/$(dirname "$ko")"
  { cat "$KROOT/lib/modules/$KVER/$path"; printf '\0'; } >"$dir/$ko"
}

# Assertions on the last boot's console log.
qt_expect() {
  grep -aqF -- "$1" "$QT_LOG" || qt_fail "expected \"$1\" on the console; log: $QT_LOG"
}

qt_expect_not() {
  ! grep -aqF -- "$1" "$QT_LOG" || qt_fail "did not expect \"$1\" on the console; log: $QT_LOG"
}

# The value the guest printed as "MODSEAL-TEST key=value".
qt_marker() {
  grep -a "^MODSEAL-TEST $1=" "$QT_LOG" | tail -n 1 | cut -d= -f2-
}

qt_expect_marker() {
  local got
  got=$(qt_marker "$1")
  [ "$got" = "$2" ] || qt_fail "guest reported $1=\"$got\", expected \"$2\"; log: $QT_LOG"
}

# Module names listed in a manifest, sorted, comma-joined (the guest prints /proc/modules so).
# The tests read manifests through modseal's own parser, never a second one.
qt_manifest_names() {
  "$MODSEAL" show --fields name "$1" | LC_ALL=C sort | paste -sd, -
}

# qt_module_path MANIFEST NAME: NAME's path below lib/modules/KVER.
qt_module_path() {
  "$MODSEAL" show --fields name,path "$1" | awk -F '\t' -v m="$2" '$1 == m { print $2 }'
}

# qt_module_paths MANIFEST: every listed path, in load order.
qt_module_paths() {
  "$MODSEAL" show --fields path "$1"
}

# qt_expect_sealed_root MANIFEST: the last boot (a probe) reached the real root locked,
# with exactly MANIFEST's modules loaded, and the kernel refused every way to load more.
# qt_expect_stopped REASON: enforce stopped this boot before the real root, locked.
qt_expect_stopped() {
  qt_expect "modseal: FAILED: "
  qt_expect "$1"
  qt_expect "modseal: locked: kernel.modules_disabled=1"
  qt_expect "modseal: stopping the boot"
  qt_expect "modseal: powering off"
  qt_expect_not "MODSEAL-TEST real-root-init"
}

qt_expect_sealed_root() {
  local manifest=$1
  qt_expect "modseal: summary: loaded "
  qt_expect "modseal: locked: kernel.modules_disabled=1, kernel.kexec_load_disabled=1"
  qt_expect_before "modseal: locked: " "MODSEAL-TEST real-root-init=running"
  qt_expect_marker modules_disabled 1
  qt_expect_marker kexec_load_disabled 1
  # The load stage empties kernel.modprobe while files are unchecked; the lock points it
  # at the helper that logs what it refuses, on the real root too.
  qt_expect_marker modprobe_path /usr/lib/modseal/blocked-modprobe
  qt_expect_marker modprobe_helper present
  qt_expect_marker sealed-sysctl "kernel.modules_disabled = 1,kernel.kexec_load_disabled = 1"
  # Listed modules for hardware this guest lacks (crc32c_intel without SSE4.2) are skips.
  local skipped
  skipped=$(sed -n 's/.*modseal: skipped \([^:]*\): .*/\1/p' "$QT_LOG" | sort -u)
  qt_expect_marker loaded "$(qt_manifest_names "$manifest" | tr , '\n' |
    grep -vxF -f <(echo "$skipped"; echo) | paste -sd, -)"
  local m
  for m in sctp dccp; do
    qt_marker "modprobe-$m" | grep -q "Operation not permitted" ||
      qt_fail "modprobe $m was not refused: $(qt_marker "modprobe-$m"); log: $QT_LOG"
  done
  qt_marker insmod | grep -q "Operation not permitted" ||
    qt_fail "insmod of a copied sctp.ko was not refused; log: $QT_LOG"
  qt_marker write0 | grep -q "Invalid argument" ||
    qt_fail "writing 0 to modules_disabled was not refused; log: $QT_LOG"
  qt_expect_marker after-write0 1
  qt_expect_marker rootfs "written on the real root"
}

# $1 appears on the console before $2 does.
qt_expect_before() {
  local a b
  a=$(grep -anF -m1 -- "$1" "$QT_LOG" | cut -d: -f1)
  b=$(grep -anF -m1 -- "$2" "$QT_LOG" | cut -d: -f1)
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] ||
    qt_fail "expected \"$1\" before \"$2\" on the console; log: $QT_LOG"
}

# qt_emergency_probe DIR IMG: adds to DIR (for qt_tamper) /modseal-test/probe, which prints
# modules_disabled and powers off, run where a shell would start: as an emergency hook
# ordered after modseal's and, under systemd, first thing in each shell unit (after
# modseal's drop-in), so a test sees the state the shell would have had.
qt_emergency_probe() {
  local dir=$1 img=$2 hooks units unit
  hooks=$(qt_image_path "$img" 'dracut/hooks/emergency')
  mkdir -p "$dir/$hooks" "$dir/modseal-test"
  cat >"$dir/modseal-test/probe" <<'PROBE'
#!/bin/sh
echo "MODSEAL-TEST emergency-modules_disabled=$(cat /proc/sys/kernel/modules_disabled)" >/dev/console
[ -e /sys/class/tpm/tpm0/pcr-sha256/13 ] &&
  echo "MODSEAL-TEST emergency-pcr-13=$(cat /sys/class/tpm/tpm0/pcr-sha256/13)" >/dev/console
echo o >/proc/sysrq-trigger
while :; do sleep 60; done
PROBE
  chmod +x "$dir/modseal-test/probe"
  printf '#!/bin/sh\n/modseal-test/probe\n' >"$dir/$hooks/99-modseal-test.sh"
  chmod +x "$dir/$hooks/99-modseal-test.sh"
  units=$(cpio -t --quiet <"$img" | sed -n 's|/emergency\.service$||p' | head -n 1)
  [ -n "$units" ] || return 0
  for unit in emergency.service dracut-emergency.service rescue.service; do
    mkdir -p "$dir/$units/$unit.d"
    printf '[Service]\nExecStartPre=/modseal-test/probe\n' >"$dir/$units/$unit.d/99-modseal-test.conf"
  done
}

# The last boot never reached the real root, and any shell it started would have been locked.
qt_expect_no_unlocked_path() {
  qt_expect_not "MODSEAL-TEST real-root-init"
  local v
  for v in $(grep -a "^MODSEAL-TEST emergency-modules_disabled=" "$QT_LOG" | cut -d= -f2); do
    [ "$v" = 1 ] || qt_fail "an emergency shell would have started with modules_disabled=$v; log: $QT_LOG"
  done
}

# qt_chroot_mount ROOT [DIR...]: binds the host's /proc, /sys and /dev into the Debian root
# ROOT (scripts/debian-root), and each DIR at its own absolute path there, so paths read
# the same inside and out. Undo with qt_chroot_release ROOT, from a trap: a bind left
# under the build tree makes find, rm and mke2fs -d walk the host's /proc.
qt_chroot_mount() {
  local root=$1 d
  shift
  qt_chroot_release "$root"
  for d in /proc /sys /dev "$@"; do
    mkdir -p "$root$d"
    mount --bind "$d" "$root$d"
  done
}

# qt_chroot_release ROOT: unmounts whatever is mounted under ROOT, deepest first (a killed
# run's binds too).
qt_chroot_release() {
  local root m
  root=$(realpath -m "$1")
  findmnt -rn -o TARGET | awk -v r="$root/" 'index($0, r) == 1' | LC_ALL=C sort -r |
    while IFS= read -r m; do umount -l "$m"; done
}
