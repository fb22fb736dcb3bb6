# The benchmark plot; bench/report.py runs it with
#   gnuplot -e "tput='FILE'; lat='FILE'; out='FILE'; ncases=N" bench/plot.gp
# tput: throughput ratios to VDUSE per metric and case; lat: latencies in us.
set terminal pngcairo size 1400,560 font ",10"
set output out
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left horizontal font ",9"
set grid ytics
set logscale y
set multiplot layout 1,2 title "virtio-loopback vs VDUSE, ublk and the in-kernel path (same run; medians)"

set title "Throughput relative to VDUSE (higher is better; log scale)"
set ylabel "ratio to VDUSE"
set yrange [0.1:*]
plot for [i=2:ncases+1] tput using i:xtic(1) title columnheader(i), \
     1 with lines dashtype 2 lc rgb "black" notitle

set title "Latency (lower is better; log scale)"
set ylabel "microseconds"
set yrange [*:*]
plot for [i=2:ncases+1] lat using i:xtic(1) title columnheader(i)

unset multiplot
