#!/bin/bash
# shellcheck disable=SC2154  # dracut sets initdir, moddir, srcmods, systemdsystemunitdir
# dracut module "modseal": puts modseal-hook, the signed manifest, its trusted keys and
# exactly the listed kernel modules into the initramfs; the hook loads them and seals the
# kernel (modules_disabled=1) before the real root runs.
#
# Configured in a dracut.conf.d drop-in (see dracut.modseal.conf.example):
#   modseal_manifest=/etc/modseal/node.manifest      required: a manifest, or a directory
#                                                    of KVER.manifest + KVER.manifest.minisig
#                                                    (one per installed kernel)
#   modseal_signature=...                            default: MANIFEST.minisig
#   modseal_pubkeys="/etc/modseal/a.pub ..."         required, one or more
#   modseal_policy=enforce|audit                     default: enforce
#   modseal_lock=early|pre-mount                     default: early
#   modseal_lock_kexec=yes|no                        default: yes
#   modseal_cmdline_may_weaken=no|yes                default: no
#   modseal_on_failure=poweroff|halt|emergency       default: poweroff
#   modseal_load_threads=N                           default: 0 (one per CPU); 1: serial
#   modseal_decompress=kernel|hook                   default: kernel (where it can)
#   modseal_tpm=auto|required                        default: auto (no TPM: a logged skip)
#   modseal_tpm_pcr=8..15|off                        default: 13
#   modseal_blocked_autoload=log|modprobe|off        default: log (after the lock, each
#                                                    refused auto-load is logged, rate-limited)
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

# What to do when there is no manifest for the kernel being built: the commands, and that
# the other kernels' sealed images are untouched (dracut writes only this one).
modseal_rebase_help() {
    echo "rebase a manifest to $kernel and sign it off the node:" \
        "modseal rebase OLD.manifest --root IMAGE_ROOT --kver $kernel -o $kernel.manifest;" \
        "modseal sign -k KEY $kernel.manifest; then $1 and run dracut --force --kver $kernel" \
        "(or dpkg --configure -a, where a kernel package's configuration stopped here);" \
        "no image was written for $kernel, the other kernels' images are as they were"
}

# modseal_manifest may name a directory of per-release manifests: the one for the kernel
# being built is used, so one drop-in seals every kernel installed.
modseal_pick_manifest() {
    [[ -d $modseal_manifest ]] || return 0
    local _dir=${modseal_manifest%/}
    [[ -z $modseal_signature ]] \
        || modseal_die "modseal_signature cannot go with a manifest directory ($_dir): each KVER.manifest has its KVER.manifest.minisig"
    modseal_manifest=$_dir/$kernel.manifest
    [[ -f $modseal_manifest ]] || modseal_die "no manifest for kernel $kernel in $_dir/: $(
        modseal_rebase_help "put $kernel.manifest and $kernel.manifest.minisig in $_dir/")"
}

# Checks the signature and every listed file against the tree being packed; dracut stops
# on any failure, so a tampered manifest or module never makes it into an image.
modseal_verify() {
    [[ -n $modseal_manifest ]] || modseal_die "modseal_manifest is not set (dracut.conf.d)"
    modseal_pick_manifest
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
    _kver=$(modseal_show kernel) || modseal_die "cannot read the kernel release of $modseal_manifest"
    [[ $_kver == "$kernel" ]] || modseal_die "$modseal_manifest is for kernel $_kver, this image is for $kernel: $(
        modseal_rebase_help "point modseal_manifest at a directory holding one KVER.manifest per kernel (or replace $modseal_manifest)")"
}

# modseal_show FIELD: the manifest read by the builder's own parser, a line per module
# (or the kernel release), never by a second parser here.
modseal_show() {
    "${modseal_builder_binary:-modseal}" show --fields "$1" "$modseal_manifest"
}

# Module names listed in the manifest, one per line.
modseal_listed_names() {
    modseal_show name
}

# Module files that dracut modules ordered before us put in (00systemd adds autofs4, ipv6,
# ...), a listed name that depmod resolved to updates/ or extra/, symlinks (DKMS,
# weak-updates): anything but a listed path's regular file could only be loaded as a
# violation. Anywhere in the image, not only below lib/modules.
# Matched as the hook matches at boot: against the module directory's real path (lib may
# be a link to usr/lib), so a second copy under another lib/modules tree goes too.
modseal_prune_unlisted() {
    local _listed _f _rel _root _modroot
    _listed=$(modseal_listed_paths) || modseal_die "cannot list the paths of $modseal_manifest"
    _root=$(cd "$initdir" && pwd -P) || modseal_die "cannot resolve $initdir"
    _modroot=$(cd "$initdir/lib/modules/$kernel" && pwd -P) \
        || modseal_die "cannot resolve the image's lib/modules/$kernel"
    while IFS= read -r -d '' _f; do
        _rel=${_f#"$_modroot"/}
        if [[ $_rel == "$_f" || $_rel == *$'\n'* || ! -f $_f || -L $_f ]] \
            || ! grep -qxF -- "$_rel" <<< "$_listed"; then
            dinfo "modseal: leaving out ${_f#"$_root"} (not a module file the manifest lists)"
            rm -f -- "$_f"
        fi
    done < <(find "$_root" \( -type f -o -type l \) \
        \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)
}

# Module paths listed in the manifest, relative to lib/modules/KVER, one per line.
modseal_listed_paths() {
    modseal_show path
}

# dracut strips every unsigned uncompressed .ko after all modules ran: that would change
# the hashed bytes, and such an image could never boot sealed (custom kernels, no
# MODULE_SIG). dracut offers no later hook, so its strip step goes for this image.
modseal_keep_modules_unstripped() {
    local _path _paths _sig
    [[ $do_strip == yes ]] || return 0
    _paths=$(modseal_listed_paths) || modseal_die "cannot list the paths of $modseal_manifest"
    while IFS= read -r _path; do
        [[ $_path == *.ko ]] || continue
        _sig=$(tail -c 28 "$initdir/lib/modules/$kernel/$_path" | tr -d '\000')
        if [[ $_sig != '~Module signature appended~' ]]; then
            dinfo "modseal: not stripping the image: $_path is unsigned, and its hash is pinned"
            do_strip=no
            return 0
        fi
    done <<< "$_paths"
}

# The files as packed, against the manifest: what the hook will find at boot.
modseal_verify_packed() {
    local _args=() _key _out
    for _key in $modseal_pubkeys; do _args+=(-p "$_key"); done
    if ! _out=$("${modseal_builder_binary:-modseal}" verify "${_args[@]}" \
        -x "${modseal_signature:-$modseal_manifest.minisig}" "$modseal_manifest" \
        --root "$initdir" 2>&1 >/dev/null); then
        modseal_die "the image's module files do not match the manifest: $_out"
    fi
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
    local _mods _path
    _mods=$(modseal_listed_names) || modseal_die "cannot list the modules of $modseal_manifest"
    # By name first, for what instmods brings along (the modules' firmware)...
    # shellcheck disable=SC2086
    [[ -z $_mods ]] || hostonly='' instmods $_mods
    # ...then each listed file by its manifest path, which is what the hook loads.
    while IFS= read -r _path; do
        inst_simple "${srcmods%/}/$_path" "/lib/modules/$kernel/$_path" \
            || modseal_die "could not install $_path"
    done < <(modseal_listed_paths)
    modseal_prune_unlisted
    modseal_keep_modules_unstripped
    modseal_verify_packed
    modseal_omit_unlisted
}

# inst_simple that stops the build: an image without one of these files would not seal.
modseal_inst() {
    inst_simple "$@" || modseal_die "could not install $1 into the image"
}

# called by dracut
install() {
    modseal_verify
    local _conf="$initdir/etc/modseal/hook.conf" _i=0 _key _unit
    modseal_inst "${modseal_hook_binary:-$(command -v modseal-hook)}" /usr/sbin/modseal-hook
    modseal_inst "$moddir/modseal-failsafe.sh" /usr/lib/modseal/failsafe
    # kernel.modprobe once sealed; the real root has the same link from the package.
    ln_r /usr/sbin/modseal-hook /usr/lib/modseal/blocked-modprobe
    modseal_inst "$modseal_manifest" /etc/modseal/modules.manifest
    modseal_inst "${modseal_signature:-$modseal_manifest.minisig}" /etc/modseal/modules.manifest.minisig
    mkdir -p "$initdir/etc/modseal"
    {
        echo "# written by dracut's modseal module"
        echo "manifest=/etc/modseal/modules.manifest"
        echo "signature=/etc/modseal/modules.manifest.minisig"
        for _key in $modseal_pubkeys; do
            modseal_inst "$_key" "/etc/modseal/trusted-$_i.pub"
            echo "pubkey=/etc/modseal/trusted-$_i.pub"
            _i=$((_i + 1))
        done
        echo "policy=${modseal_policy:-enforce}"
        echo "lock=${modseal_lock:-early}"
        echo "lock_kexec=${modseal_lock_kexec:-yes}"
        echo "cmdline_may_weaken=${modseal_cmdline_may_weaken:-no}"
        echo "on_failure=${modseal_on_failure:-poweroff}"
        echo "load_threads=${modseal_load_threads:-0}"
        echo "decompress=${modseal_decompress:-kernel}"
        echo "tpm=${modseal_tpm:-auto}"
        echo "tpm_pcr=${modseal_tpm_pcr:-13}"
        echo "blocked_autoload=${modseal_blocked_autoload:-log}"
    } > "$_conf"
    # The hook checks these itself; a typo must stop the image build, not the boot.
    "${modseal_hook_binary:-modseal-hook}" --config "$_conf" check-config \
        || modseal_die "invalid settings in dracut.conf.d (see above)"

    # Before any shell: emergency 00 runs ahead of dracut's own 01-die.
    inst_hook emergency 00 "$moddir/modseal-emergency.sh"
    if dracut_module_included "systemd"; then
        modseal_install_units
    else
        # Load before udev starts, so udev's coldplug finds the drivers already there.
        inst_hook pre-udev 01 "$moddir/modseal-load.sh"
        # Late enough for udev to load listed modules, before the mount hooks.
        inst_hook pre-mount 99 "$moddir/modseal-lock.sh"
        # Once more before switch_root, then the measured seal: a load that had passed the
        # kernel's check when the lock was set finishes after it, and shows in
        # /proc/modules only then.
        inst_hook pre-pivot 99 "$moddir/modseal-finish.sh"
    fi
    for _unit in usr/sbin/modseal-hook usr/lib/modseal/failsafe usr/lib/modseal/blocked-modprobe; do
        [[ -x $initdir/$_unit ]] || modseal_die "$_unit is missing from the image or not executable"
    done
    [[ -f $initdir/etc/modseal/hook.conf ]] || modseal_die "etc/modseal/hook.conf is missing from the image"
}

# The systemd flavour: both stages as units, each shell unit locking first, the root mount
# and switch_root requiring both stages, and on_failure as each stage's failure action.
modseal_install_units() {
    local _unit _dir
    modseal_inst "$moddir/modseal-load.service" "$systemdsystemunitdir/modseal-load.service"
    modseal_inst "$moddir/modseal-lock.service" "$systemdsystemunitdir/modseal-lock.service"
    $SYSTEMCTL -q --root "$initdir" enable modseal-load.service modseal-lock.service \
        || modseal_die "could not enable the modseal units"
    for _unit in emergency.service dracut-emergency.service rescue.service debug-shell.service; do
        modseal_inst "$moddir/modseal-shell-failsafe.conf" \
            "$systemdsystemunitdir/$_unit.d/50-modseal.conf"
    done
    for _unit in sysroot.mount dracut-mount.service initrd-switch-root.service; do
        modseal_inst "$moddir/modseal-requires-seal.conf" \
            "$systemdsystemunitdir/$_unit.d/50-modseal.conf"
    done
    modseal_inst "$moddir/modseal-final-audit.conf" \
        "$systemdsystemunitdir/initrd-switch-root.service.d/51-modseal-audit.conf"
    for _unit in modseal-load.service modseal-lock.service; do
        _dir="$initdir$systemdsystemunitdir/$_unit.d"
        mkdir -p "$_dir"
        {
            echo "# written by dracut's modseal module: on_failure=${modseal_on_failure:-poweroff}"
            echo "[Unit]"
            case ${modseal_on_failure:-poweroff} in
                halt) echo "FailureAction=halt-force" ;;
                emergency)
                    # emergency.service locks before its shell (modseal-shell-failsafe.conf).
                    echo "OnFailure=emergency.target"
                    echo "OnFailureJobMode=replace-irreversibly"
                    ;;
                *) echo "FailureAction=poweroff-force" ;;
            esac
        } > "$_dir/50-on-failure.conf"
    done
}
