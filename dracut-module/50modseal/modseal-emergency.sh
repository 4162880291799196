#!/bin/sh
# emergency 00: dracut runs this hook before every emergency, rescue or rd.break shell of
# the shell flavour (and dracut-emergency under systemd): no shell with modules loadable.
# Should the fail-safe itself not run, the same lock inline, or no shell at all; and no
# shell where a TPM should have measured it, as only the fail-safe does that.
/usr/lib/modseal/failsafe shell "dracut emergency hook" || {
    echo 1 > /proc/sys/kernel/kexec_load_disabled
    echo 1 > /proc/sys/kernel/modules_disabled
    read -r _modseal_v < /proc/sys/kernel/modules_disabled
    if [ "$_modseal_v" != 1 ] || [ -e /dev/tpmrm0 ] || [ -e /dev/tpm0 ]; then
        echo o > /proc/sysrq-trigger
        while :; do sleep 3600; done
    fi
}
