#!/bin/sh
# Guest side of tests/host/harness.sh: records what it sees in $VM_OUT and
# exits with its first argument.
printf '%s\n' "$@" >"$VM_OUT/args"
id -un >"$VM_OUT/whoami"
pwd >"$VM_OUT/pwd"
exit "$1"
