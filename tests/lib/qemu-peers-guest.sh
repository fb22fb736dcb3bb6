#!/bin/sh
# Guest side of tests/host/qemu-peers.sh: the rng, gpio and blk checks in
# turn, in one boot. $1: the read-only image's checksum.
set -eu
sh tests/lib/qemu-rng-guest.sh
sh tests/lib/qemu-gpio-guest.sh
sh tests/lib/qemu-blk-guest.sh "$1"
