#!/bin/sh
# The fail-safe: plain sh, independent of modseal-hook, so it holds when the hook crashed,
# was killed or is missing. It sets the lock itself, including kexec_load_disabled whatever
# lock_kexec says: a boot that reaches it is not a normal one.
#   failsafe shell WHO   before any shell starts: lock, or power off if the lock fails;
#                        then measure the shell, or power off where a TPM should show it
#   failsafe stop WHY    the hook did not finish: lock, then end the boot as on_failure
#                        says (exit 1 for on_failure=emergency: the caller calls die)

modseal_log() {
    echo "<2>modseal: $*" > /dev/kmsg 2> /dev/null
    echo "modseal: $*" >&2
}

modseal_seal() {
    echo 1 > /proc/sys/kernel/kexec_load_disabled 2> /dev/null
    echo 1 > /proc/sys/kernel/modules_disabled 2> /dev/null
    _value=
    read -r _value < /proc/sys/kernel/modules_disabled 2> /dev/null
    [ "$_value" = 1 ]
}

# Never returns: reboot(2) through poweroff/halt -f where the image has them, else sysrq.
modseal_end() {
    if [ "$1" = halt ]; then
        modseal_log "halting"
        halt -f 2> /dev/null
    else
        modseal_log "powering off"
        poweroff -f 2> /dev/null
        echo o > /proc/sysrq-trigger 2> /dev/null
    fi
    while :; do sleep 3600; done
}

case "$1" in
    shell)
        if ! modseal_seal; then
            modseal_log "fail-safe: cannot seal before a shell ($2)"
            modseal_end poweroff
        fi
        modseal_log "fail-safe: sealed before a shell ($2): modules_disabled=1"
        # A shell the PCR does not show could replay the seal's events by hand. A hook that
        # cannot measure matters only where there is a TPM, or the image requires one.
        /usr/sbin/modseal-hook measure-shell "$2" && exit 0
        if [ -e /dev/tpmrm0 ] || [ -e /dev/tpm0 ] \
            || [ "$(sed -n 's/^tpm=//p' /etc/modseal/hook.conf 2> /dev/null)" = required ]; then
            modseal_log "fail-safe: the shell ($2) could not be measured"
            modseal_end poweroff
        fi
        exit 0
        ;;
    stop)
        if ! modseal_seal; then
            modseal_log "fail-safe: $2; the seal could not be set"
            modseal_end poweroff
        fi
        modseal_log "fail-safe: $2; sealed: modules_disabled=1"
        _action=$(sed -n 's/^on_failure=//p' /etc/modseal/hook.conf 2> /dev/null)
        [ "$_action" = emergency ] && exit 1
        modseal_end "$_action"
        ;;
    *)
        echo "usage: failsafe shell WHO | stop WHY" >&2
        exit 2
        ;;
esac
