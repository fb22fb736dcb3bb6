#!/bin/bash
# A/B comparison of two builds of virtio_loopback.ko in one guest boot (see
# bench/ab). Each round loads A and B in turn (the order swapped every
# round) and runs every test on the loopback disk, each followed at once by
# the same test on the VDUSE disk, the control. Raw results as bench/guest.sh
# writes them, cases loop-A, vduse-A, loop-B, vduse-B.
# Usage: bench/ab-guest.sh ROUNDS RUNTIME TESTS A.ko B.ko [qsd|own|own-mmap]
#                          [A-ADAPTER-ARGS B-ADAPTER-ARGS [BACKEND-ARGS]]
set -eu

ROUNDS=$1
RUNTIME=$2
TESTS=$3
declare -A KO=([A]=$4 [B]=$5)
BACKEND=${6:-qsd}
declare -A ADAPTER_ARGS=([A]=${7-} [B]=${8-})
read -ra BACKEND_ARGS <<<"${9-}"
OUT=${VM_OUT:?not in the VM harness}
. bench/lib.sh

mkdir -p "$OUT/fio" "$OUT/log"
rm -f "$OUT"/fio/*.json "$OUT/cpu.csv" "$OUT"/log/*
modprobe virtio_ring
modprobe virtio
load_modules
make_stores
start_qsd
case $BACKEND in
own)
	start_own own "${BACKEND_ARGS[@]}"
	LOOP_SOCK=$RUN/own.sock
	;;
own-mmap)
	start_own mmap --mmap "${BACKEND_ARGS[@]}"
	LOOP_SOCK=$RUN/mmap.sock
	;;
esac
attach vduse-qsd
cpu_csv_header
echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$OUT/meta.txt"
echo "A=${KO[A]}" >>"$OUT/meta.txt"
echo "B=${KO[B]}" >>"$OUT/meta.txt"
echo "backend=$BACKEND" >>"$OUT/meta.txt"
echo "adapter_A=${ADAPTER_ARGS[A]}" >>"$OUT/meta.txt"
echo "adapter_B=${ADAPTER_ARGS[B]}" >>"$OUT/meta.txt"
echo "backend_args=${BACKEND_ARGS[*]}" >>"$OUT/meta.txt"

IFS=, read -ra TEST_LIST <<<"$TESTS"
for ((r = 1; r <= ROUNDS; r++)); do
	variants=(A B)
	((r % 2)) || variants=(B A)
	for v in "${variants[@]}"; do
		insmod "${KO[$v]}" || die "insmod ${KO[$v]} failed"
		LOOP_ADAPTER_ARGS=${ADAPTER_ARGS[$v]} attach "loop-$v"
		DEV[vduse-$v]=${DEV[vduse-qsd]}
		for t in "${TEST_LIST[@]}"; do
			echo "ab: round $r/$ROUNDS $v $t" >&2
			fio_group "$t.$r.$v" "$t" "$r" "loop-$v" "vduse-$v"
		done
		grep -H . "$LOOP_SYS"/vlb*/stats/* >>"$OUT/log/vlb-stats-$v.txt" 2>/dev/null || true
		detach "loop-$v"
		wait_for 20 rmmod virtio_loopback || die "rmmod virtio_loopback failed"
	done
done
detach vduse-qsd
echo "ab: guest done" >&2
