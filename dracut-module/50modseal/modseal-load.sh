#!/bin/sh
# pre-udev: verify the signed manifest and load exactly its modules.
type die > /dev/null 2>&1 || . /lib/dracut-lib.sh

/usr/sbin/modseal-hook load || die "modseal: boot stopped: the module seal could not be verified or set"
