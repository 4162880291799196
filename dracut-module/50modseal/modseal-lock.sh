#!/bin/sh
# pre-pivot: audit what is loaded against the manifest and set kernel.modules_disabled=1.
type die > /dev/null 2>&1 || . /lib/dracut-lib.sh

/usr/sbin/modseal-hook lock || die "modseal: boot stopped: the module seal could not be verified or set"
