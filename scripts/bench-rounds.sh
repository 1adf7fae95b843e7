#!/bin/sh
# bench-rounds.sh ROUNDS GO-TEST-ARGS...
#
# Runs `go test -run '^$' -benchmem -count 1 GO-TEST-ARGS...` ROUNDS times,
# one round after the other, for `make bench`. With -count 10 every run of
# one benchmark comes before the first run of the next, so a slow spell of a
# shared machine (seconds long) can land on all ten runs of one library and
# none of its peer's. In rounds, each benchmark runs once per round and the
# spell lands on one round of both. benchstat and internal/cmd/benchreport
# read the concatenated output like the output of -count ROUNDS.
set -eu
rounds=$1
shift
case $rounds in
'' | *[!0-9]*)
	echo "bench-rounds.sh: ROUNDS must be a number, got '$rounds'" >&2
	exit 2
	;;
esac
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	echo "# round $i of $rounds: go test $*"
	"${GO:-go}" test -run '^$' -benchmem -count 1 "$@"
done
