#!/usr/bin/env bash
# platform create never removes what it did not make; one file backs one
# DIMM (create and open); a broken platform.json is corrupt (exit 5), not
# a usage error.  Every refusal leaves the directory byte-identical.
. "$TEST_LIB"

# ---- a refused or failed create undoes exactly what it made -----------------
mkdir d
echo data >d/nmem0.img
before=$(dirsum d)
expect_exit 4 pm platform create d --dimm-size 64M
expect_err_line "d/nmem0.img: cannot create image: File exists"
[ "$(dirsum d)" = "$before" ] || fail "a refused create changed d"
pass "create refused by an existing image keeps it"

# the second image is refused: the first (made) goes, the rest stays
mkdir d2
echo keep >d2/nmem1.img
echo notes >d2/README
before=$(dirsum d2)
expect_exit 4 pm platform create d2 --dimms 2 --dimm-size 64M
expect_err_line "d2/nmem1.img: cannot create image: File exists"
[ "$(dirsum d2)" = "$before" ] || fail "a refused create changed d2"
pass "a half-made create removes only the images it made"

# small_files CMD...: CMD with files limited to 1 MiB, so sizing an image
# fails (EFBIG) on any file system; 100000T fails only where a file cannot
# be that large (ext4), not on tmpfs, XFS or btrfs
small_files() { (trap '' XFSZ; ulimit -f 1024; "$@"); }
expect_exit 1 small_files pm platform create e --dimm-size 64M
expect_err_line "e/nmem0.img: cannot size image"
[ ! -e e ] || fail "a failed create left the directory it made"
mkdir f
echo x >f/a
before=$(dirsum f)
expect_exit 1 small_files pm platform create f --dimms 2 --dimm-size 64M
[ "$(dirsum f)" = "$before" ] || fail "a failed create changed f"
[ -d f ] || fail "a failed create removed a directory it did not make"
pass "a failed create leaves no directory or image behind"

# an unrelated file where the description is staged survives a create
mkdir g
echo mine >g/.platform.json.tmp
expect_exit 0 pm platform create g --dimm-size 16M
[ "$(cat g/.platform.json.tmp)" = mine ] || fail "create replaced a user file"
[ "$(find g -name '.platform.json.*' | wc -l)" = 1 ] ||
	fail "create left a temporary file"
pass "create stages platform.json without touching other files"

# ---- one file backs one DIMM: create ------------------------------------------
mkdir i
truncate -s 66M i/x.img i/y.img
ln i/x.img i/hard.img
ln -s x.img i/sym.img
before=$(dirsum i)
for second in i/x.img ./i/x.img i/hard.img i/sym.img "$PWD/i/x.img"; do
	expect_exit 2 pm platform create q --image i/x.img --image "$second"
	expect_err_line "^pmemctl platform: q: i/x.img and $second are the same file; one image cannot back two DIMMs$"
done
expect_exit 2 pm platform create q --image i/y.img --image i/x.img \
	--image i/sym.img
expect_err_line "i/x.img and i/sym.img are the same file"
[ "$(dirsum i)" = "$before" ] || fail "a refused adopt changed an image"
[ ! -e q ] || fail "a refused adopt made its directory"
expect_exit 0 pm platform create q --image i/x.img --image i/y.img
pass "create: two paths to one image file are refused (exit 2)"

# ---- one file backs one DIMM: open --------------------------------------------
pm platform create p --dimms 2 --dimm-size 16M 2>/dev/null
cp p/platform.json good.json
ln p/nmem0.img p/hard.img
ln -s nmem0.img p/sym.img
# every command that opens the platform refuses it (check-btt: exit 8)
open_cmds=(
	"list" "list -D" "init-labels all" "init-labels -f nmem1"
	"zero-labels nmem1" "check-labels all" "read-labels -j all"
	"create-namespace -r region1 -s 16M" "destroy-namespace -f all"
	"read-infoblock namespace1.0" "platform qemu-args"
)
for image in nmem0.img ./nmem0.img hard.img sym.img "$PWD/p/nmem0.img"; do
	jq --arg i "$image" '.dimms[1].image = $i' good.json >p/platform.json
	before=$(dirsum p)
	for c in "${open_cmds[@]}"; do
		# shellcheck disable=SC2086
		expect_exit 5 pm --platform p $c
		expect_err_line "p/platform.json: p/nmem0.img and .*$image are the same file; one image cannot back two DIMMs"
	done
	echo hello | expect_exit 5 pm --platform p write-labels nmem1
	expect_exit 8 pm --platform p check-btt --repair namespace1.0
	expect_err_line "are the same file"
	[ "$(dirsum p)" = "$before" ] || fail "$image: a refused command wrote"
done
cp good.json p/platform.json
expect_exit 0 pm --platform p list
pass "open: platform.json naming one file twice is corrupt (exit 5)"

# ---- broken descriptions and images are corrupt, not usage errors -------------
mkdir b
for json in 'garbage' '{"pmemctl_platform":1}' '{"pmemctl_platform":1,"dimms":[]}' \
	'{"pmemctl_platform":1,"dimms":[{"slot":0}]}' \
	'{"pmemctl_platform":1,"dimms":[{"slot":0,"image":"n","size":69206016,"label_size":4096,"align":2097152}]}'; do
	echo "$json" >b/platform.json
	before=$(dirsum b)
	expect_exit 5 pm --platform b list
	expect_err_line "b/platform.json: "
	expect_exit 5 pm --platform b init-labels all
	[ "$(dirsum b)" = "$before" ] || fail "a corrupt platform changed"
done
jq '.dimms[0].slot = 1' good.json >b/platform.json
cp p/nmem*.img b/
expect_exit 5 pm --platform b list
expect_err_line "slot 1 is listed twice"
pass "a broken platform.json exits 5"

mkdir c c/nmem0.img
jq '.dimms |= [.[0]]' good.json >c/platform.json
before=$(dirsum c)
expect_exit 5 pm --platform c list
expect_err_line "nmem0: image $SCRATCH/c/nmem0.img is a directory, not an image file"
expect_exit 5 pm --platform c init-labels all
[ "$(dirsum c)" = "$before" ] || fail "a directory image changed"
pass "an image path that is a directory says so (exit 5)"
