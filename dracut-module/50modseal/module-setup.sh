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
    local _root=${srcmods%/lib/modules/"$kernel"}
    [[ $_root != "$srcmods" ]] || modseal_die "module directory $srcmods does not end in /lib/modules/$kernel"
    local _args=() _key
    for _key in $modseal_pubkeys; do _args+=(-p "$_key"); done
    local _out
    if ! _out=$("${modseal_builder_binary:-modseal}" verify "${_args[@]}" \
        -x "${modseal_signature:-$modseal_manifest.minisig}" "$modseal_manifest" \
        --root "${_root:-/}" 2>&1); then
        modseal_die "refusing to build: $_out"
    fi
    local _kver
    _kver=$(sed -n '2s/^kernel //p' "$modseal_manifest")
    [[ $_kver == "$kernel" ]] || modseal_die "$modseal_manifest is for kernel $_kver, this image is for $kernel"
}

# called by dracut
installkernel() {
    modseal_verify
    local _mods
    _mods=$(sed -n 's/^module \([^ ]*\) .*/\1/p' "$modseal_manifest")
    [[ -z $_mods ]] && return 0
    # shellcheck disable=SC2086
    hostonly='' instmods $_mods
}

# called by dracut
install() {
    modseal_verify
    local _conf="$initdir/etc/modseal/hook.conf" _i=0 _key
    inst_simple "${modseal_hook_binary:-$(command -v modseal-hook)}" /usr/bin/modseal-hook
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
    } > "$_conf"
    # The hook checks these itself; a typo must stop the image build, not the boot.
    "${modseal_hook_binary:-modseal-hook}" --config "$_conf" check-config \
        || modseal_die "invalid settings in dracut.conf.d (see above)"

    # Load before udev starts, so udev's coldplug finds the drivers already there.
    inst_hook pre-udev 01 "$moddir/modseal-load.sh"
    # The lock is also taken at pre-pivot when lock=early: setting it twice is harmless.
    inst_hook pre-pivot 90 "$moddir/modseal-lock.sh"
}
