#!/usr/bin/env bash
# Differential run of two check-btt builds (OLD and NEW pmemctl) on a
# dense BTT with many corruptions: `check-btt -j`, `-j -v`,
# `-R --dry-run -j` and `-R -f -j` must give byte-identical stdout,
# stderr, exit code and image afterwards (the bytes the checker may write:
# the first MiB and from the map to the end).  Also on the clean image.  For
# changes to the checker that must not change what it says.  Exit 0 when
# all match, 1 (and the differences) when not.
#
#   OLD=.../pmemctl NEW=.../pmemctl BTT_FORMAT=build/test/btt-format \
#       bash bench/compare-check-btt.sh
#
# CMP_SIZE (default 64G), CMP_LBASIZE (512), CMP_SEED (1), CMP_N (300
# corruptions); CMP_DIR: where the images go (default $TMPDIR or /tmp;
# about 3 copies of the map are written).  Needs jq, perl, fallocate.
#
# The corruptions (one arena: the first): out-of-range, duplicate,
# flag-0 and error-flag entries, zero runs, runs of consecutive postmaps
# across the block count and across the 30-bit mask, a 3 MiB hole
# punched in the map, and a pending map update in lane 0's flog.
set -euo pipefail

: "${OLD:?OLD must point at the old pmemctl}"
: "${NEW:?NEW must point at the new pmemctl}"
: "${BTT_FORMAT:?BTT_FORMAT must point at the btt-format helper}"
size=${CMP_SIZE:-64G}
lbasize=${CMP_LBASIZE:-512}
seed=${CMP_SEED:-1}
count=${CMP_N:-300}
dir=$(mktemp -d "${CMP_DIR:-${TMPDIR:-/tmp}}/pmemctl-cmp.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# corrupt IMG MAPOFF LOGOFF ENL INL SEED N
corrupt() {
	perl - "$@" <<'EOF'
use strict;
my ($img, $mapoff, $logoff, $enl, $inl, $seed, $n) = @ARGV;
my $NORMAL = 0xC0000000;
my $MASK = 0x3FFFFFFF;
open(my $fh, '+<', $img) or die "$img: $!";
binmode($fh);
srand($seed);
sub put_run {
	my ($lba, @v) = @_;
	@v = @v[0 .. $enl - $lba - 1] if $lba + @v > $enl;
	seek($fh, $mapoff + 4 * $lba, 0) or die;
	print $fh pack('V*', @v);
}
sub lba { int(rand($enl)) }
for my $i (1 .. $n) {
	my $k = $i % 7;
	my $l = lba();
	if ($k == 0) {		# out of range
		put_run($l, $NORMAL | ($inl + int(rand(1000))));
	} elsif ($k == 1) {	# duplicate
		put_run($l, $NORMAL | lba());
	} elsif ($k == 2) {	# flag bits 0 on another block
		put_run($l, lba());
	} elsif ($k == 3) {	# error flag
		put_run($l, 0x40000000 | lba());
	} elsif ($k == 4) {	# a zero run
		put_run($l, (0) x (1 + int(rand(5000))));
	} elsif ($k == 5) {	# a run across the block count
		my $len = 64 + int(rand(5000));
		put_run($l, map { $NORMAL | ($inl - int($len / 2) + $_) }
			0 .. $len - 1);
	} else {		# a run across the 30-bit mask
		my $len = 64 + int(rand(5000));
		put_run($l, map { $NORMAL | (($MASK - int($len / 2) + $_)
					     & $MASK) } 0 .. $len - 1);
	}
}
# lane 0 wrote lba 4 to its free block, then stopped before the map
seek($fh, $logoff + 16, 0) or die;
print $fh pack('V4', 4, 4, $enl, 2);
close($fh) or die;
EOF
}

# run BIN NAME IMG ARGS...: in its own directory (the name is printed)
run() {
	local bin=$1 name=$2 img=$3 rc=0
	shift 3
	mkdir -p "$dir/$name"
	cp --sparse=always "$img" "$dir/$name/img"
	(cd "$dir/$name" && "$bin" check-btt "$@" img >out 2>err) || rc=$?
	echo "exit $rc" >>"$dir/$name/out"
}

# same_file A B: the same bytes; for images, where the checker may write
# (the first MiB: info blocks; from the map to the end: map, flog and
# backup info block), as the rest is a data area it never reads
same_file() {
	case $1 in
	*/img)	cmp -s -n 1048576 "$1" "$2" &&
		cmp -s -i "$mapoff" "$1" "$2" ;;
	*)	cmp -s "$1" "$2" ;;
	esac
}

bad=0
# same IMG ARGS...: OLD and NEW agree
same() {
	local img=$1 what
	shift
	what="$(basename "$img") check-btt $*"
	run "$OLD" old "$img" "$@"
	run "$NEW" new "$img" "$@"
	for f in out err img; do
		if ! same_file "$dir/old/$f" "$dir/new/$f"; then
			echo "DIFFERENT $f: $what"
			[ $f = img ] || diff "$dir/old/$f" "$dir/new/$f" | head -20
			bad=1
		fi
	done
	echo "$what: $(tail -n1 "$dir/new/out"), $(wc -c <"$dir/new/out") bytes out, $(wc -c <"$dir/new/err") bytes err, image $(same_file "$dir/new/img" "$img" && echo unchanged || echo changed)"
	rm -rf "$dir/old" "$dir/new"
}

clean=$dir/clean.img
"$BTT_FORMAT" --dense "$clean" "$size" "$lbasize" 2 >/dev/null
read -r mapoff logoff enl inl < <("$NEW" check-btt -j "$clean" |
	jq -r '.arenas[0] | "\(.mapoff) \(.logoff) \(.external_nlba) \(.internal_nlba)"')
bad_img=$dir/corrupt.img
cp --sparse=always "$clean" "$bad_img"
corrupt "$bad_img" "$mapoff" "$logoff" "$enl" "$inl" "$seed" "$count"
# a 3 MiB hole a third of the way into the map
hole=$(( (mapoff + (logoff - mapoff) / 3) / 4096 * 4096 ))
fallocate -p -o "$hole" -l 3M "$bad_img"
for img in "$clean" "$bad_img"; do
	same "$img" -j
	same "$img" -j -v
	same "$img" -R --dry-run -j
	same "$img" -R -f -j
done
[ $bad = 0 ] && echo "all identical" || echo "DIFFERENCES"
exit $bad
