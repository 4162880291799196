#!/bin/sh
# pre-udev: verify the signed manifest and load exactly its modules (lock=early: and lock).
type die > /dev/null 2>&1 || . /lib/dracut-lib.sh

# On its own failures the hook locks and powers off; this runs when it returned (on_failure=
# emergency), crashed, was killed, or could not be run at all.
/usr/sbin/modseal-hook load || {
    /usr/lib/modseal/failsafe stop "load stage ended with status $?"
    die "modseal: boot stopped: the module seal could not be verified or set"
}
