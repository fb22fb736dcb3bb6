#!/bin/sh
# Every installed program has a man page that groff renders without a
# warning (groff -ww, and man -l), with the sections a user looks for, and
# every option its --help lists (so the pages stay true as options come).
set -eu
cd "$(dirname "$0")/../.."
progs="virtio-loopback-adapter $(ls backends | sed 's/^/vhost-user-/')"
n=0
for p in $progs; do
	page=man/$p.1
	[ -f "$page" ] || { echo "no man page for $p ($page)"; exit 1; }
	warn=$(groff -ww -z -man "$page" 2>&1)
	[ -z "$warn" ] || { echo "$page: groff: $warn"; exit 1; }
	warn=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
	[ -z "$warn" ] || { echo "$page: man: $warn"; exit 1; }
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx "\.SH \"*$s\"*" "$page" || { echo "$page: no $s section"; exit 1; }
	done
	# Options are what a help line starts with: "  -x, --long ARG" or
	# "      --long". roff writes a dash as \-.
	text=$(sed 's/\\-/-/g' "$page")
	for o in $("build/bin/$p" --help | grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z0-9-]*' |
		grep -oE -- '--[a-z][a-z0-9-]*|-[A-Za-z]'); do
		printf '%s\n' "$text" | grep -qe "$o\\b" || { echo "$page: $o (in $p --help) is missing"; exit 1; }
		n=$((n + 1))
	done
done
echo "ok: $(echo $progs | wc -w) man pages render without warnings and name all $n options of the programs' --help"
