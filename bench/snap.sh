#!/bin/bash
# fio's exec_prerun for the benchmarks (bench/lib.sh): in the background,
# wait until the job's I/O flows, then note the guest's CPU time (USER_HZ
# ticks: user, nice, system, irq, softirq), the disk's completed requests
# and, for a loopback disk, its kicks and interrupts, and again WINDOW
# seconds later; append the differences to $VM_OUT/cpu.csv. The window
# leaves out fio's set-up and tear-down of the job; the sampler itself uses
# shell built-ins only, but for sleep.
# Usage: snap.sh NAME DISK WINDOW
set -eu

sample() {
	t=$EPOCHREALTIME
	read -r _ us ni sy _ _ irq sirq _ </proc/stat
	read -r rd _ _ _ wr _ <"/sys/block/$disk/stat"
	cpu=$((us + ni + sy + irq + sirq)) ios=$((rd + wr)) t=${t/./}
	kicks="" irqs=""
	if [ -r "$vlb/stats/kicks" ]; then
		read -r kicks <"$vlb/stats/kicks"
		read -r irqs <"$vlb/stats/interrupts"
	fi
}

sampler() {
	local end c0 i0 t0 k0 q0
	sample
	start=$ios
	end=$((${EPOCHREALTIME/./} + 20000000))
	while [ "$ios" = "$start" ]; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || exit 0
		sleep 0.02
		sample
	done
	sleep 0.3
	sample
	c0=$cpu i0=$ios t0=$t k0=$kicks q0=$irqs
	sleep "$window"
	sample
	if [ -n "$kicks" ]; then
		kicks=$((kicks - k0)) irqs=$((irqs - q0))
	fi
	echo "$name,$((cpu - c0)),$((ios - i0)),$((t - t0)),$kicks,$irqs" >>"$VM_OUT/cpu.csv"
}

name=$1 disk=$2 window=$3
vlb=/sys/block/$disk/device/..
sampler </dev/null >/dev/null 2>&1 &
