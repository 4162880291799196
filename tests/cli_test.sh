#!/usr/bin/env bash
# End-to-end tests of the modseal CLI against a real extracted Debian kernel tree, including
# interoperability with the real minisign in both directions.
# usage: cli_test.sh MODSEAL KERNEL_DIR FIXTURES   (KERNEL_DIR from scripts/fetch-kernel)
set -u
modseal=$1
kernel_dir=$2
fixtures=$3
root=$kernel_dir/root
kver=$(cat "$kernel_dir/kver")
moddir=$root/lib/modules/$kver
work=$(mktemp -d /tmp/modseal-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect CODE NEEDLE -- COMMAND...: exit status CODE and NEEDLE in stdout+stderr.
expect() {
  local code=$1 needle=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    bad "'$*' exited $rc, wanted $code; output: $out"
  elif [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then
    bad "'$*' output lacks '$needle'; output: $out"
  else
    ok
  fi
}
check() { if eval "$1"; then ok; else bad "$2"; fi; }

# --- usage and help --------------------------------------------------------------------
expect 2 "" -- "$modseal"
expect 2 "" -- "$modseal" frobnicate
expect 2 "--output is required" -- "$modseal" capture
for cmd in keygen capture rebase merge sign verify show diff blacklist status check-image; do
  expect 0 "Example:" -- "$modseal" "$cmd" --help
done

# --- keys ------------------------------------------------------------------------------
expect 0 "key id" -- "$modseal" keygen -o k
check '[ "$(stat -c %a k.key)" = 600 ]' "secret key is not mode 0600"
cp k.key k.key.orig
expect 2 "k.key: already exists (use --force to replace it)" -- "$modseal" keygen -o k
check 'cmp -s k.key k.key.orig' "keygen without --force changed the existing key"
expect 0 "key id" -- "$modseal" keygen -o k --force
check '! cmp -s k.key k.key.orig' "keygen --force did not replace the key"
expect 0 "" -- "$modseal" keygen -o other

# --- capture ---------------------------------------------------------------------------
# Counts come from what was captured, never from today's Debian kernel.
expect 0 "captured " -- "$modseal" capture --loaded "$fixtures/k8s-node.proc-modules" \
  --root "$root" -o node.manifest
n=$(grep -c '^module ' node.manifest)
check '[ "$n" -gt 0 ] && "$modseal" capture --loaded "$fixtures/k8s-node.proc-modules" --root "$root" \
  -o again.manifest 2>&1 | grep -qF "captured $n modules"' "capture's count is not the manifest's"
# Every fixture module this tree has as a module file is in, each after its dependencies.
check 'for m in $(cut -d" " -f1 "$fixtures/k8s-node.proc-modules"); do
         grep -q "/$m\.ko[.a-z]*:" "$moddir/modules.dep" || continue
         grep -q "^module $m " node.manifest || exit 1
       done' "a loaded module of the tree is missing from the manifest"
check 'python3 - node.manifest "$moddir/modules.dep" <<"PY"
import re, sys
order = [l.split()[1] for l in open(sys.argv[1]) if l.startswith("module ")]
pos = {m: i for i, m in enumerate(order)}
name = lambda p: re.sub(r"\.ko(\.[a-z]+)?$", "", p.rsplit("/", 1)[-1]).replace("-", "_")
for line in open(sys.argv[2]):
    mod, _, deps = line.partition(":")
    m = name(mod)
    for d in deps.split():
        if m in pos and pos.get(name(d), 1 << 30) > pos[m]:
            sys.exit(1)
PY' "a module comes before one of its dependencies"
check 'head -n 2 node.manifest | tail -n 1 | grep -qx "kernel $kver"' "manifest names no kernel"
{ cat "$fixtures/k8s-node.proc-modules"; echo "vboxguest 417792 0 - Live 0xffffffffc0400000"; } >missing.modules
expect 2 "module vboxguest (loaded according to missing.modules) is not in" -- \
  "$modseal" capture --loaded missing.modules --root "$root" -o missing.manifest
check '[ ! -e missing.manifest ]' "failed capture left an output file"
expect 0 "warning: module vboxguest" -- "$modseal" capture --loaded missing.modules \
  --root "$root" --allow-missing -o missing.manifest
# --previous: what the new capture would newly allow, before anyone signs it.
expect 0 "since node.manifest: no change" -- "$modseal" capture --previous node.manifest \
  --loaded "$fixtures/k8s-node.proc-modules" --root "$root" -o same.manifest
expect 0 "+ dummy (added)" -- "$modseal" capture --previous node.manifest --add dummy \
  --loaded "$fixtures/k8s-node.proc-modules" --root "$root" -o grown.manifest
expect 2 "no-such.manifest" -- "$modseal" capture --previous no-such.manifest \
  --loaded "$fixtures/k8s-node.proc-modules" --root "$root" -o x.manifest
# A loaded CIS-listed module is refused unless asked for by name.
{ cat "$fixtures/k8s-node.proc-modules"; echo "sctp 430080 0 - Live 0xffffffffc0c00000"; } >risky.modules
expect 2 "loaded module sctp is on the CIS deny list" -- \
  "$modseal" capture --loaded risky.modules --root "$root" -o risky.manifest
check '[ ! -e risky.manifest ]' "refused capture left an output file"
expect 0 "warning: loaded module sctp is on the CIS deny list" -- \
  "$modseal" capture --loaded risky.modules --root "$root" --allow-risky -o risky.manifest
expect 2 "no/such/dir" -- "$modseal" capture --loaded "$fixtures/k8s-node.proc-modules" \
  --root "$root" -o no/such/dir/m
expect 2 "several kernels" -- bash -c "mkdir -p two/lib/modules/a two/lib/modules/b &&
  '$modseal' capture --loaded '$fixtures/k8s-node.proc-modules' --root two -o x"

# --- sign and verify, and minisign in both directions --------------------------------------
expect 0 "signed node.manifest" -- "$modseal" sign -k k.key node.manifest
expect 0 "Signature and comment signature verified" -- minisign -Vm node.manifest -p k.pub
expect 0 "kernel:$kver" -- minisign -Vm node.manifest -p k.pub
expect 0 "signature OK" -- "$modseal" verify -p k.pub node.manifest
expect 0 "files OK: all $n module files" -- "$modseal" verify -p k.pub node.manifest --root "$root"
expect 0 "signature OK" -- "$modseal" verify -p other.pub -p k.pub node.manifest

minisign -G -W -p ms.pub -s ms.key >/dev/null 2>&1
cp node.manifest ms.manifest
expect 0 "signed ms.manifest" -- "$modseal" sign -k ms.key ms.manifest
expect 0 "signature OK" -- "$modseal" verify -p ms.pub ms.manifest
expect 0 "Signature and comment signature verified" -- minisign -Vm ms.manifest -p ms.pub
printf 'pw-modseal\npw-modseal\n' | minisign -G -p mspw.pub -s mspw.key >/dev/null 2>&1
printf 'pw-modseal\n' >pw
cp node.manifest pw.manifest
expect 0 "signed pw.manifest" -- "$modseal" sign -k mspw.key --password-file pw pw.manifest
expect 0 "signature OK" -- "$modseal" verify -p mspw.pub pw.manifest
printf 'wrong\n' >wrongpw
expect 2 "wrong password, or the secret key is corrupted" -- \
  "$modseal" sign -k mspw.key --password-file wrongpw -x never.minisig pw.manifest
check '[ ! -e never.minisig ]' "failed sign left a signature"
expect 2 "give --password-file" -- "$modseal" sign -k mspw.key pw.manifest </dev/null
cp node.manifest by-minisign.manifest
minisign -S -s ms.key -m by-minisign.manifest -t "made by minisign" >/dev/null 2>&1
expect 0 "trusted comment: made by minisign" -- "$modseal" verify -p ms.pub by-minisign.manifest
# modseal's encrypted keys open in minisign.
printf 'pw-modseal\n' | "$modseal" keygen -o enc --password-file pw >/dev/null
cp node.manifest enc.manifest
printf 'pw-modseal\n' | minisign -S -s enc.key -m enc.manifest >/dev/null 2>&1
expect 0 "signature OK" -- "$modseal" verify -p enc.pub enc.manifest

# --- tampering: each fails with exit 1 and says what failed ------------------------------
cp node.manifest t.manifest
cp node.manifest.minisig t.manifest.minisig
sed -i 's/ loaded -$/ loaded  -/; 3s/sha256:./sha256:0/' t.manifest
expect 1 "signature does not match the signed file" -- "$modseal" verify -p k.pub t.manifest
expect 1 "which is not trusted" -- "$modseal" verify -p other.pub node.manifest
head -c 150 node.manifest.minisig >trunc.minisig
expect 1 "trunc.minisig:" -- "$modseal" verify -p k.pub -x trunc.minisig node.manifest
sed '4s/^./A/' node.manifest.minisig >comment.minisig
sed -i '3s/modules:/Modules:/' comment.minisig
expect 1 "trusted comment does not match its signature" -- \
  "$modseal" verify -p k.pub -x comment.minisig node.manifest
expect 1 "No such file" -- "$modseal" verify -p k.pub -x absent.minisig node.manifest
expect 2 "absent.manifest: No such file" -- "$modseal" verify -p k.pub absent.manifest
cp -a "$root" tree
victim=$(sed -n 3p node.manifest | cut -d' ' -f3)
victim_name=$(sed -n 3p node.manifest | cut -d' ' -f2)
printf 'x' >>"tree/lib/modules/$kver/$victim"
expect 1 "$victim_name: hash mismatch" -- "$modseal" verify -p k.pub node.manifest --root tree
rm "tree/lib/modules/$kver/$victim"
expect 1 "1 of $n module files" -- "$modseal" verify -p k.pub node.manifest --root tree
chmod 644 k.key
expect 2 "permissions 0644 are too open" -- "$modseal" sign -k k.key node.manifest
chmod 600 k.key

# --- show, diff, merge -------------------------------------------------------------------
# show prints each module's reason: a dependency's names its user (needed-by:USER). sctp
# needs udp_tunnel, which no fixture module loads, on every kernel here.
"$modseal" capture --loaded "$fixtures/k8s-node.proc-modules" --root "$root" --add sctp \
  -o dep.manifest 2>/dev/null
check 'grep -q "^module udp_tunnel .* needed-by:sctp" dep.manifest' \
  "capture --add sctp did not pull in udp_tunnel as needed-by:sctp"
expect 0 "needed-by:sctp" -- "$modseal" show dep.manifest
"$modseal" show --json node.manifest >show.json
check 'python3 -c "import json,sys; d=json.load(open(\"show.json\")); sys.exit(0 if len(d[\"modules\"])==$n else 1)"' \
  "show --json is not JSON with $n modules"
# --fields: what scripts read, the same as the file's own columns, in load order.
check '[ "$("$modseal" show --fields kernel node.manifest)" = "$(sed -n "2s/^kernel //p" node.manifest)" ]' \
  "show --fields kernel is not the manifest's kernel line"
check '[ "$("$modseal" show --fields name,path,sha256 node.manifest)" = "$(awk "/^module /{sub(\"sha256:\", \"\", \$4); print \$2 \"\t\" \$3 \"\t\" \$4}" node.manifest)" ]' \
  "show --fields name,path,sha256 differs from the manifest's module lines"
check '[ "$("$modseal" show --fields reason,deps dep.manifest | grep -c "^needed-by:sctp	")" -ge 1 ]' \
  "show --fields reason,deps does not give needed-by:sctp"
expect 2 'unknown field "size"' -- "$modseal" show --fields name,size node.manifest
expect 2 'unknown field "kernel"' -- "$modseal" show --fields kernel,name node.manifest
expect 2 "excludes" -- "$modseal" show --fields name --json node.manifest
expect 0 "identical" -- "$modseal" diff node.manifest node.manifest
"$modseal" capture --loaded "$fixtures/k8s-node.proc-modules" --root "$root" --drop veth \
  --add sctp -o b.manifest 2>/dev/null
expect 1 "- veth (loaded)" -- "$modseal" diff node.manifest b.manifest
expect 1 "+ sctp (added)" -- "$modseal" diff node.manifest b.manifest
"$modseal" diff --json node.manifest b.manifest >diff.json
check 'python3 -c "import json,sys; d=json.load(open(\"diff.json\")); sys.exit(0 if d[\"removed\"]==[\"veth\"] and \"sctp\" in d[\"added\"] else 1)"' \
  "diff --json does not report veth removed and sctp added"
union=$(cat node.manifest b.manifest | sed -n 's/^module \([^ ]*\) .*/\1/p' | sort -u | wc -l)
expect 0 "merged 2 manifests: $union modules" -- "$modseal" merge node.manifest b.manifest -o m.manifest
expect 0 "identical" -- "$modseal" diff m.manifest m.manifest
check 'grep -q "^module veth .* loaded -$" m.manifest && grep -q "^module sctp .* added" m.manifest' \
  "merge lost a module or its reason"
sed "2s/.*/kernel 9.9.9/" node.manifest >other-kernel.manifest
expect 2 "manifests of different kernels cannot merge" -- \
  "$modseal" merge node.manifest other-kernel.manifest -o never.manifest
check '[ ! -e never.manifest ]' "failed merge left an output file"
printf 'modseal-manifest 1\nkernel 6.1\nmodule a/b x\n' >broken.manifest
expect 2 "broken.manifest:3: expected 5 single-space-separated fields" -- "$modseal" show broken.manifest
expect 2 "broken.manifest:3:" -- "$modseal" sign -k k.key broken.manifest
check '[ ! -e broken.manifest.minisig ]' "signing a broken manifest left a signature"

# --- blacklist -----------------------------------------------------------------------------
expect 0 "denied" -- "$modseal" blacklist node.manifest --root "$root" -o deny.conf
# The benchmark modules in the spellings each scanner greps for, with the lines their own
# checks accept: Lynis 3.0.8 NETW-3200, USB-1000 and STRG-1846, CIS and SSG (true|false).
for p in dccp sctp rds tipc; do
  check "grep -q '^install \\+$p \\+/bin/true\$' deny.conf" "Lynis NETW-3200 would not find $p disabled"
done
check 'grep -Eq "install usb[-_]storage /bin/(false|true)" deny.conf && grep -qx "install usb-storage /bin/true" deny.conf' \
  "Lynis USB-1000 or the STIG's usb-storage would not match"
check 'grep -Eq "blacklist (ohci1394|firewire[-_]ohci|firewire-core)" deny.conf && grep -qx "blacklist firewire-core" deny.conf' \
  "Lynis STRG-1846 would not find firewire disabled"
check 'grep -Eq "^\s*install\s+cramfs\s+(/bin/false|/bin/true)$" deny.conf' "SSG's cramfs rule would not match"
check '[ "$(grep -n "^install" deny.conf | head -n 1 | cut -d" " -f2)" = cramfs ]' "the benchmark list does not come first"
# overlay is on the CIS list, and this Kubernetes node needs it: a reported exception.
check 'grep -q "^# overlay is in the manifest: an exception, not denied (container runtimes" deny.conf && ! grep -q "^install overlay " deny.conf' \
  "overlay is not a reported exception"
check '! grep -q "^blacklist veth$" deny.conf && ! grep -q "^install nf_conntrack " deny.conf' \
  "blacklist denies a module the manifest allows"
# Denied: the tree's modules and the benchmark list, less the manifest, nothing else.
grep '^module ' node.manifest | cut -d' ' -f2 | sort -u >allowed.names
{ cut -d: -f1 "$moddir/modules.dep" | sed 's|.*/||; s|\.ko.*||' | tr - _
  printf '%s\n' cramfs freevxfs hfs hfsplus jffs2 overlay squashfs udf usb_storage dccp tipc rds sctp \
    firewire_core firewire_ohci; } | sort -u | comm -23 - allowed.names >expected.names
sed -n 's/^install \([^ ]*\) \/bin\/true$/\1/p' deny.conf | tr - _ | sort -u >denied.names
check 'cmp -s expected.names denied.names' \
  "blacklist does not deny exactly the tree's other modules plus the benchmark list"
"$modseal" blacklist b.manifest --root "$root" -o deny-b.conf 2>/dev/null
check 'grep -qx "# sctp is in the manifest: an exception, not denied" deny-b.conf && ! grep -q "^install sctp " deny-b.conf' \
  "a CIS module in the manifest is still denied"
# Standard output without -o, like any filter; nothing else there.
"$modseal" blacklist node.manifest --root "$root" >stdout.conf 2>stderr.txt
check 'cmp -s stdout.conf deny.conf && grep -q "in standard output" stderr.txt' \
  "blacklist without -o does not write the drop-in to standard output"
"$modseal" blacklist node.manifest --root "$root" --install-command /bin/false -o deny-false.conf 2>/dev/null
check 'grep -qx "install sctp /bin/false" deny-false.conf && ! grep -q "/bin/true" deny-false.conf' \
  "--install-command /bin/false is not used throughout"
expect 2 'blacklist: --install-command must be /bin/true or /bin/false, not "/bin/sh -c x"' -- \
  "$modseal" blacklist node.manifest --root "$root" --install-command "/bin/sh -c x" -o never.conf
check '[ ! -e never.conf ]' "a refused blacklist left an output file"

# --- status against a captured procfs -------------------------------------------------------
mkdir -p proc/sys/kernel etc/modprobe.d
cp "$fixtures/k8s-node.proc-modules" proc/modules
echo "$kver" >proc/sys/kernel/osrelease
echo 1 >proc/sys/kernel/modules_disabled
echo 1 >proc/sys/kernel/kexec_load_disabled
echo "BOOT_IMAGE=/boot/vmlinuz-$kver root=UUID=0b4d ro quiet console=ttyS0" >proc/cmdline
cp deny.conf etc/modprobe.d/modseal.conf
expect 0 "SEALED" -- "$modseal" status -m node.manifest --proc proc --root .
expect 0 "CIS sctp                  denied" -- "$modseal" status -m node.manifest --proc proc --root .
expect 0 "CIS overlay               exception (container runtimes (containerd, CRI-O, Docker) need overlayfs)" -- \
  "$modseal" status -m node.manifest --proc proc --root .
# Evidence: each finding with the benchmark items it passes, as each scanner would judge.
"$modseal" status -m node.manifest --proc proc --root . --json >evidence.json
check 'python3 - evidence.json <<"EOF"
import json, sys
ev = {e["subject"]: e for e in json.load(open(sys.argv[1]))["evidence"]}
items = lambda s: {(i["benchmark"], i["id"]): i["pass"] for i in ev[s]["items"]}
ok = items("sctp") == {("CIS Debian Linux 12 v1.1.0", "3.2.4"): True, ("Lynis", "NETW-3200"): True,
                       ("SSG", "xccdf_org.ssgproject.content_rule_kernel_module_sctp_disabled"): True}
ok &= items("kernel.modules_disabled")[("Lynis", "KRNL-6000")] is True
ok &= ev["overlay"]["state"] == "exception" and items("overlay")[("CIS Debian Linux 12 v1.1.0", "1.1.1.6")] is False
sys.exit(0 if ok else 1)
EOF' "status --json evidence does not map findings to benchmark items"
# /bin/false satisfies CIS and SSG, not Lynis NETW-3200.
cp deny-false.conf etc/modprobe.d/modseal.conf
"$modseal" status -m node.manifest --proc proc --root . --json >evidence.json
check 'python3 -c "import json,sys; e=[x for x in json.load(open(\"evidence.json\"))[\"evidence\"] if x[\"subject\"]==\"dccp\"][0]; sys.exit(0 if {i[\"id\"]: i[\"pass\"] for i in e[\"items\"]}[\"NETW-3200\"] is False else 1)"' \
  "status counts /bin/false as passing Lynis NETW-3200"
cp deny.conf etc/modprobe.d/modseal.conf
echo 0 >proc/sys/kernel/modules_disabled
expect 1 "kernel.modules_disabled is 0, not 1" -- "$modseal" status -m node.manifest --proc proc --root .
echo 1 >proc/sys/kernel/modules_disabled
echo "sctp 430080 0 - Live 0xffffffffc0c00000" >>proc/modules
expect 1 "benchmark-listed module sctp is loaded" -- "$modseal" status -m node.manifest --proc proc --root .
"$modseal" status -m node.manifest --proc proc --root . --json >status.json
check 'python3 -c "import json,sys; d=json.load(open(\"status.json\")); sys.exit(0 if d[\"sealed\"] is False and d[\"unlisted_loaded\"]==[\"sctp\"] else 1)"' \
  "status --json does not report sctp as unlisted"
# What blocked-modprobe recorded, as status shows it (the hook writes this format).
echo /usr/lib/modseal/blocked-modprobe >proc/sys/kernel/modprobe
expect 1 "blocked auto-loads        none since boot" -- "$modseal" status -m node.manifest --proc proc --root .
mkdir -p run/modseal
printf '%s\n' "modseal-blocked-autoloads 1" "window 1796291395 10" "suppressed 7" "total 17" \
  "request net-pf-2-proto-132-type-1 sctp nobody-app[812] 16 1796291395 1796291399" \
  "request fs-cramfs cramfs - 1 1796291400 1796291400" >run/modseal/blocked-autoloads
expect 1 "blocked auto-loads        17 (2 names; kernel.modprobe /usr/lib/modseal/blocked-modprobe)" \
  -- "$modseal" status -m node.manifest --proc proc --root .
expect 1 "blocked net-pf-2-proto-132-type-1      16 times, module sctp, last by nobody-app[812]" \
  -- "$modseal" status -m node.manifest --proc proc --root .
"$modseal" status -m node.manifest --proc proc --root . --json >status.json
check 'python3 -c "import json,sys; b=json.load(open(\"status.json\"))[\"blocked_autoloads\"]; sys.exit(0 if b[\"total\"]==17 and b[\"requests\"][1]==dict(name=\"fs-cramfs\",module=\"cramfs\",count=1,first=1796291400,last=1796291400,last_requester=\"\") else 1)"' \
  "status --json does not carry the blocked auto-loads"
echo "request broken" >>run/modseal/blocked-autoloads
expect 1 "blocked auto-loads        ./run/modseal/blocked-autoloads:7: malformed line" \
  -- "$modseal" status -m node.manifest --proc proc --root .

# --- the next boot: every installed kernel's initramfs, checked as check-image does -------
expect 1 "next boot                 not checked (no /boot/vmlinuz-*)" \
  -- "$modseal" status -m node.manifest --proc proc --root .
newer=6.1.0-99-cloud-amd64
mkdir -p boot unsealed-image/usr/sbin
touch "boot/vmlinuz-$kver" "boot/vmlinuz-$newer"
echo "not the hook" >unsealed-image/usr/sbin/true
(cd unsealed-image && find . | cpio -o -H newc --quiet) | gzip >"boot/initrd.img-$kver"
expect 1 "WARNING: next boot ./boot/initrd.img-$newer (newest by version sort) will not be sealed:" \
  -- "$modseal" status -m node.manifest --proc proc --root .
expect 1 "  - no initramfs: the kernel boots without modseal, or not at all" \
  -- "$modseal" status -m node.manifest --proc proc --root .
expect 1 "WARNING: next boot ./boot/initrd.img-$kver will not be sealed:" \
  -- "$modseal" status -m node.manifest --proc proc --root .
"$modseal" status -m node.manifest --proc proc --root . --json >status.json
check 'python3 -c "import json,sys; b=json.load(open(\"status.json\"))[\"boot_images\"]; sys.exit(0 if [(x[\"release\"], x[\"newest\"], x[\"sealed\"]) for x in b]==[(\"$newer\", True, False), (\"$kver\", False, False)] and \"dracut left the modseal module out\" in b[1][\"problems\"][0] else 1)"' \
  "status --json does not list the boot images, newest first"
expect 1 "boot/initrd.img-$kver: NOT SEALED" -- "$modseal" check-image "boot/initrd.img-$kver"
expect 1 "no modseal in the image" -- "$modseal" check-image "boot/initrd.img-$kver"
printf 'BZh91AY&SY' >bzip2.img
expect 2 "modseal: bzip2.img: offset 0: neither a cpio archive nor gzip, xz or zstd data" \
  -- "$modseal" check-image bzip2.img
head -c 100 "boot/initrd.img-$kver" >short.img
expect 2 "short.img: offset 0: gzip: truncated stream" -- "$modseal" check-image short.img
expect 2 "nothing.img: No such file" -- "$modseal" check-image nothing.img
rm -r run proc/sys/kernel/modprobe
expect 1 "blocked auto-loads        not recorded (kernel.modprobe is \"unknown\")" \
  -- "$modseal" status -m node.manifest --proc proc --root .
rm etc/modprobe.d/modseal.conf
cp "$fixtures/k8s-node.proc-modules" proc/modules
expect 0 "CIS dccp                  allowed" -- "$modseal" status -m node.manifest --proc proc --root .
# A manifest given without a key is reported as unverified; with one, its signature counts.
expect 0 "unverified manifest: give -p to check it" -- "$modseal" status -m node.manifest --proc proc --root .
expect 0 "signature verified" -- "$modseal" status -m node.manifest -p k.pub --proc proc --root .
expect 1 "which is not trusted" -- "$modseal" status -m node.manifest -p other.pub --proc proc --root .
expect 2 "status: -p needs -m MANIFEST" -- "$modseal" status -p k.pub --proc proc --root .
# kexec left open is not sealed unless meant; a kernel without kexec is.
echo 0 >proc/sys/kernel/kexec_load_disabled
expect 1 "kernel.kexec_load_disabled is 0: kexec can start another kernel" -- "$modseal" status -m node.manifest --proc proc --root .
expect 0 "SEALED" -- "$modseal" status -m node.manifest --proc proc --root . --allow-kexec
rm proc/sys/kernel/kexec_load_disabled
expect 0 "absent (this kernel has no kexec_load)" -- "$modseal" status -m node.manifest --proc proc --root .
"$modseal" status -m node.manifest -p k.pub --proc proc --root . --json >status.json
check 'python3 -c "import json,sys; d=json.load(open(\"status.json\")); sys.exit(0 if d[\"sealed\"] and d[\"kexec_load_disabled\"]==\"absent\" and d[\"manifest_verified\"] else 1)"' \
  "status --json does not report a kexec-less kernel as sealed and the manifest verified"
echo 1 >proc/sys/kernel/kexec_load_disabled
# Each risky boot command line word fails the verdict, unless allowed.
for word in rd.break rdinit=/bin/sh rd.systemd.debug_shell rd.systemd.unit=emergency.target \
            rd.driver.pre=dummy rd.modseal.policy=audit; do
  echo "root=/dev/vda ro $word quiet" >proc/cmdline
  expect 1 "boot command line has $word" -- "$modseal" status -m node.manifest --proc proc --root .
done
expect 0 "boot command line         rd.modseal.policy=audit: the seal's settings were changed" -- \
  "$modseal" status -m node.manifest --proc proc --root . --allow-cmdline
echo "root=/dev/vda ro quiet rd.shell=0" >proc/cmdline
expect 0 "SEALED" -- "$modseal" status -m node.manifest --proc proc --root .
# A command line that cannot be read cannot be vouched for.
rm proc/cmdline
expect 1 "boot command line unknown" -- "$modseal" status -m node.manifest --proc proc --root .
expect 0 "SEALED" -- "$modseal" status -m node.manifest --proc proc --root . --allow-cmdline

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
