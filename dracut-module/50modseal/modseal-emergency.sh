#!/bin/sh
# emergency 00: dracut runs this hook before every emergency, rescue or rd.break shell of
# the shell flavour (and dracut-emergency under systemd): no shell with modules loadable.
/usr/lib/modseal/failsafe shell "dracut emergency hook"
