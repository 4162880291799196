#!/bin/bash
# pre-udev: load the benchmark's module list with one modprobe -a, and time it.
_t0=$EPOCHREALTIME
# shellcheck disable=SC2046
modprobe -a $(cat /etc/modprobe-list)
_t1=$EPOCHREALTIME
echo "<5>bench: modprobe -a wall_us=$(( ${_t1/./} - ${_t0/./} ))" > /dev/kmsg
