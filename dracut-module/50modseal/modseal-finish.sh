#!/bin/sh
# pre-pivot 99: the lock stage's audit once more right before switch_root (a load that had
# passed the kernel's check when the lock was set shows in /proc/modules only now), then
# the seal measured into the TPM.
type die > /dev/null 2>&1 || . /lib/dracut-lib.sh

/usr/sbin/modseal-hook finish || {
    /usr/lib/modseal/failsafe stop "finish stage ended with status $?"
    die "modseal: boot stopped: the module seal could not be verified, set or measured"
}
