#!/bin/bash
# dracut module "modseal": puts modseal-hook, the signed manifest, its trusted keys and
# exactly the listed kernel modules into the initramfs; the hook loads them and seals the
# kernel (modules_disabled=1) before the real root runs.
#
# Configured in a dracut.conf.d drop-in (see dracut.modseal.conf.example):
#   modseal_manifest=/etc/modseal/node.manifest      required
#   modseal_signature=...                            default: MANIFEST.minisig
#   modseal_pubkeys="/etc/modseal/a.pub ..."         required, one or more
#   modseal_policy=enforce|audit                     default: enforce
#   modseal_lock=pre-pivot|early                     default: pre-pivot
#   modseal_lock_kexec=yes|no                        default: yes
#   modseal_cmdline_may_weaken=no|yes                default: no
#   modseal_on_failure=poweroff|halt|emergency       default: poweroff
#   modseal_load_threads=N                           default: 1 (serial); 0: one per CPU
#   modseal_hook_binary / modseal_builder_binary     default: found in PATH

# called by dracut
check() {
    require_binaries "${modseal_hook_binary:-modseal-hook}" "${modseal_builder_binary:-modseal}" || return 1
    # Only when asked for (dracut --add modseal): it changes what the machine can ever load.
    return 255
}

# called by dracut
depends() {
    return 0
}

modseal_die() {
    dfatal "modseal: $*"
    exit 1
}

# Checks the signature and every listed file against the tree being packed; dracut stops
# on any failure, so a tampered manifest or module never makes it into an image.
modseal_verify() {
    [[ -n $modseal_manifest ]] || modseal_die "modseal_manifest is not set (dracut.conf.d)"
    [[ -n $modseal_pubkeys ]] || modseal_die "modseal_pubkeys is not set (dracut.conf.d)"
    # dracut's own default is "/lib/modules/KVER/", with the slash.
    local _mods=${srcmods%/}
    local _root=${_mods%/lib/modules/"$kernel"}
    [[ $_root != "$_mods" ]] || modseal_die "module directory $srcmods does not end in /lib/modules/$kernel"
    local _args=() _key
    for _key in $modseal_pubkeys; do _args+=(-p "$_key"); done
    # Only what failed: "signature OK" next to a hash failure would read as a contradiction.
    local _out
    if ! _out=$("${modseal_builder_binary:-modseal}" verify "${_args[@]}" \
        -x "${modseal_signature:-$modseal_manifest.minisig}" "$modseal_manifest" \
        --root "${_root:-/}" 2>&1 >/dev/null); then
        modseal_die "refusing to build: $_out"
    fi
    local _kver
    _kver=$(sed -n '2s/^kernel //p' "$modseal_manifest")
    [[ $_kver == "$kernel" ]] || modseal_die "$modseal_manifest is for kernel $_kver, this image is for $kernel"
}

# Module names listed in the manifest, one per line.
modseal_listed_names() {
    sed -n 's/^module \([^ ]*\) .*/\1/p' "$modseal_manifest"
}

# Modules that dracut modules ordered before us put in (00systemd adds autofs4, ipv6, ...)
# but the manifest does not list: they could only ever be loaded as a violation.
modseal_prune_unlisted() {
    local _listed _f _rel
    _listed=$(sed -n 's/^module [^ ]* \([^ ]*\) .*/\1/p' "$modseal_manifest")
    while IFS= read -r -d '' _f; do
        _rel=${_f#*/lib/modules/"$kernel"/}
        if ! grep -qxF -- "$_rel" <<< "$_listed"; then
            dinfo "modseal: leaving out $_rel (not in the manifest)"
            rm -f -- "$_f"
        fi
    done < <(find "$initdir" -path "*/lib/modules/$kernel/*" -name '*.ko*' -type f -print0)
}

# Modules ordered after us (99fs-lib adds crc32c, 90kernel-modules a whole set) and
# --add-drivers come later: dracut's own omit_drivers, which this build's later instmods
# calls honour, keeps every module the manifest does not list out of the image.
modseal_omit_unlisted() {
    local _omit
    _omit=$(sed -e 's/:.*//' -e 's|.*/||' -e 's/\.ko.*//' -e 's/-/_/g' "$srcmods/modules.dep" \
        | LC_ALL=C sort -u | grep -vxF -f <(modseal_listed_names; echo) | paste -sd'|')
    [[ -n $_omit ]] || return 0
    omit_drivers="${omit_drivers:+$omit_drivers|}^($_omit)\$"
}

# called by dracut
installkernel() {
    modseal_verify
    local _mods
    _mods=$(modseal_listed_names)
    # shellcheck disable=SC2086
    if [[ -n $_mods ]]; then
        hostonly='' instmods $_mods || modseal_die "could not install the manifest's modules"
    fi
    # instmods also follows post: softdeps, which the manifest leaves out.
    modseal_prune_unlisted
    modseal_omit_unlisted
}

# called by dracut
install() {
    modseal_verify
    local _conf="$initdir/etc/modseal/hook.conf" _i=0 _key
    inst_simple "${modseal_hook_binary:-$(command -v modseal-hook)}" /usr/sbin/modseal-hook
    inst_simple "$modseal_manifest" /etc/modseal/modules.manifest
    inst_simple "${modseal_signature:-$modseal_manifest.minisig}" /etc/modseal/modules.manifest.minisig
    mkdir -p "$initdir/etc/modseal"
    {
        echo "# written by dracut's modseal module"
        echo "manifest=/etc/modseal/modules.manifest"
        echo "signature=/etc/modseal/modules.manifest.minisig"
        for _key in $modseal_pubkeys; do
            inst_simple "$_key" "/etc/modseal/trusted-$_i.pub"
            echo "pubkey=/etc/modseal/trusted-$_i.pub"
            _i=$((_i + 1))
        done
        echo "policy=${modseal_policy:-enforce}"
        echo "lock=${modseal_lock:-pre-pivot}"
        echo "lock_kexec=${modseal_lock_kexec:-yes}"
        echo "cmdline_may_weaken=${modseal_cmdline_may_weaken:-no}"
        echo "on_failure=${modseal_on_failure:-poweroff}"
        echo "load_threads=${modseal_load_threads:-1}"
    } > "$_conf"
    # The hook checks these itself; a typo must stop the image build, not the boot.
    "${modseal_hook_binary:-modseal-hook}" --config "$_conf" check-config \
        || modseal_die "invalid settings in dracut.conf.d (see above)"

    # Load before udev starts, so udev's coldplug finds the drivers already there. The
    # lock is also taken at pre-pivot when lock=early: setting it twice is harmless.
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/modseal-load.service" "$systemdsystemunitdir/modseal-load.service"
        inst_simple "$moddir/modseal-lock.service" "$systemdsystemunitdir/modseal-lock.service"
        $SYSTEMCTL -q --root "$initdir" enable modseal-load.service modseal-lock.service
    else
        inst_hook pre-udev 01 "$moddir/modseal-load.sh"
        inst_hook pre-pivot 90 "$moddir/modseal-lock.sh"
    fi
}
