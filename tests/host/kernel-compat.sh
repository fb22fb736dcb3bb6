#!/bin/sh
# The transport keeps compiling, warning-free, on a newer kernel than the
# 6.1 it is tested on (D8): Debian's bookworm-backports 6.12 headers. And
# checkpatch --strict finds no error or warning in the kernel code, nor
# sparse any address-space or endianness mistake.
set -eu
cd "$(dirname "$0")/../.."
scripts/compat-check
scripts/checkpatch
scripts/sparse-check
