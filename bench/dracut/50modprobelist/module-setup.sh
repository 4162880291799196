#!/bin/bash
# shellcheck disable=SC2154  # dracut sets initdir and moddir, the image's conf modprobelist_manifest
# Benchmark baseline "B": the same module list as a modseal manifest, loaded at pre-udev by
# one `modprobe -a`, timed. No verification, no lock. Configured by
# modprobelist_manifest=FILE (a modseal manifest: only its module names are used).

# called by dracut
check() {
    return 255
}

# called by dracut
depends() {
    echo bash
    return 0
}

modprobelist_names() {
    sed -n 's/^module \([^ ]*\) .*/\1/p' "$modprobelist_manifest"
}

# called by dracut
installkernel() {
    # shellcheck disable=SC2046
    hostonly='' instmods $(modprobelist_names)
}

# called by dracut
install() {
    inst_multiple modprobe
    modprobelist_names > "$initdir/etc/modprobe-list"
    inst_hook pre-udev 01 "$moddir/modprobe-list.sh"
}
