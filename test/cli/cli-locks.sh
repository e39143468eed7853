#!/usr/bin/env bash
# Every writer locks what it writes: check-btt --repair of an image file
# takes its platform's lock and an exclusive flock(2) on the file; the
# platform's own writers flock each image too.  Another process holding a
# lock (here the flock(1) utility) makes the second writer exit busy with
# nothing written; readers of a platform are not blocked.
. "$TEST_LIB"

command -v flock >/dev/null || { echo "flock(1) not installed"; exit 77; }
: "${BTT_FORMAT:?BTT_FORMAT must point at the btt-format helper}"

# held MODE FILE CMD...: run CMD while another process holds flock MODE
# (-x or -s) on FILE
held() {
	local mode=$1 file=$2
	shift 2
	exec 9<"$file"
	flock "$mode" -n 9 || fail "cannot take the test's own lock on $file"
	"$@"
	flock -u 9
	exec 9<&-
}

# a platform whose nmem0 holds a label-less BTT with a repairable defect
pm platform create p --dimms 2 --dimm-size 64M 2>/dev/null
"$BTT_FORMAT" p/nmem0.img 64M 4096 1
flip p/nmem0.img $((4096 + 1000))
expect_exit 4 pm check-btt p/nmem0.img
mkdir elsewhere
truncate -s 66M elsewhere/adopted.img
"$BTT_FORMAT" elsewhere/adopted.img 64M 4096 1
flip elsewhere/adopted.img $((4096 + 1000))
pm platform create a --image elsewhere/adopted.img 2>/dev/null
cp p/nmem0.img loose.img

# ---- the platform lock ------------------------------------------------------------
platform_locked() {
	before=$(dirsum p)
	expect_exit 8 pm check-btt --repair p/nmem0.img
	expect_err_line "p: busy: platform is being changed by another process"
	expect_exit 8 pm --platform p check-btt --repair "$PWD/p/nmem0.img"
	expect_err_line "busy: platform is being changed"
	(cd p && expect_exit 8 pm check-btt --repair nmem0.img)
	ln -s p/nmem0.img link.img
	expect_exit 8 pm check-btt --repair link.img
	rm link.img
	expect_exit 8 pm --platform p check-btt --repair namespace0.0
	expect_exit 4 pm --platform p init-labels all
	expect_err_line "busy: platform is being changed"
	[ "$(dirsum p)" = "$before" ] || fail "a writer changed a locked platform"
	# readers are not blocked; other files are not locked
	expect_exit 4 pm check-btt p/nmem0.img
	expect_exit 0 pm --platform p list
	expect_exit 1 pm check-btt --repair loose.img
}
held -x p/platform.json platform_locked
pass "check-btt FILE --repair takes the platform's lock (exit 8, nothing written)"

# an adopted image lives outside its platform: --platform names it
before=$(dirsum elsewhere)
held -x a/platform.json expect_exit 8 pm --platform a check-btt --repair \
	elsewhere/adopted.img
[ "$(dirsum elsewhere)" = "$before" ] || fail "an adopted image was written"
pass "--platform locks the platform of an adopted image"

# ---- the image's own lock -------------------------------------------------------
image_locked() {
	before=$(dirsum p)
	expect_exit 8 pm check-btt --repair p/nmem0.img
	expect_err_line "p/nmem0.img: busy: another process is using it \(locked\)"
	expect_exit 8 pm check-btt p/nmem0.img
	expect_err_line "p/nmem0.img: busy: another process is changing it"
	expect_exit 4 pm --platform p init-labels all
	expect_err_line "nmem0.img: busy: another process is using it"
	expect_exit 4 pm --platform p create-namespace -r region1 -s 16M
	expect_exit 8 pm --platform p check-btt --repair namespace0.0
	[ "$(dirsum p)" = "$before" ] || fail "a writer changed a locked image"
	expect_exit 0 pm --platform p list
}
held -x p/nmem0.img image_locked
pass "an exclusive flock on an image refuses every writer (busy) and a check"

shared_locked() {
	before=$(dirsum p)
	expect_exit 4 pm check-btt p/nmem0.img
	expect_exit 8 pm check-btt --repair p/nmem0.img
	expect_err_line "p/nmem0.img: busy: another process is using it"
	[ "$(dirsum p)" = "$before" ] || fail "a writer changed a shared image"
}
held -s p/nmem0.img shared_locked
pass "a read-only check shares the image; a repair does not"

before=$(sum loose.img)
held -x loose.img expect_exit 8 pm check-btt --repair loose.img
[ "$(sum loose.img)" = "$before" ] || fail "a locked loose image was written"
pass "a file of no platform is locked too"

# with the locks free, the same writers go ahead
expect_exit 1 pm check-btt --repair p/nmem0.img
expect_exit 0 pm check-btt p/nmem0.img
expect_exit 1 pm --platform a check-btt --repair elsewhere/adopted.img
expect_exit 0 pm --platform p init-labels nmem1
pass "unlocked, the writers proceed"
