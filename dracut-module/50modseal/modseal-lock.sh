#!/bin/sh
# pre-mount: audit what is loaded against the manifest and set kernel.modules_disabled=1,
# before the real root is mounted, so nothing from it runs unsealed.
type die > /dev/null 2>&1 || . /lib/dracut-lib.sh

/usr/sbin/modseal-hook lock || {
    /usr/lib/modseal/failsafe stop "lock stage ended with status $?"
    die "modseal: boot stopped: the module seal could not be verified or set"
}
