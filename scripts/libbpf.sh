#!/usr/bin/env bash
# scripts/libbpf.sh VERSION SHA256 DIR: a static libbpf VERSION in DIR (DIR/include,
# DIR/lib/libbpf.a), built from Debian's source package.
#
# The source comes through a private apt configuration (own sources list, lists and
# cache under DIR/../apt), as the guest tier fetches its kernels: the machine's own apt
# setup is never read or changed. Debian's unstable and testing suites are asked for a
# libbpf source whose upstream version is VERSION; its .orig tarball must have SHA256
# (the pin: the same upstream code whatever Debian revision carries it). dpkg-source
# unpacks it with Debian's patches. Built once per VERSION; a lock guards parallel makes.
set -euo pipefail

VERSION=${1:?usage: libbpf.sh VERSION SHA256 DIR}
SHA256=${2:?usage: libbpf.sh VERSION SHA256 DIR}
DIR=${3:?usage: libbpf.sh VERSION SHA256 DIR}
MIRROR=${NT_LIBBPF_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SUITES=${NT_LIBBPF_SUITES:-sid forky trixie-backports}

say() { echo "libbpf.sh: $*" >&2; }
die() {
	say "$*"
	exit 1
}

[[ -r $DIR/lib/libbpf.a && -r $DIR/include/bpf/libbpf.h ]] && exit 0

top=$(dirname "$DIR")
mkdir -p "$top"
exec 9>"$top/.lock"
flock -w 600 9 || die "timed out waiting for $top/.lock"
[[ -r $DIR/lib/libbpf.a && -r $DIR/include/bpf/libbpf.h ]] && exit 0

# ---- the source package, through a private apt configuration
apt_dir=$top/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
[[ -r $KEYRING ]] || die "$KEYRING missing: apt-get install debian-archive-keyring"
: >"$apt_dir/sources.list"
for s in $SUITES; do
	echo "deb-src [signed-by=$KEYRING] $MIRROR $s main" >>"$apt_dir/sources.list"
done
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=/dev/null
	-o APT::Sandbox::User=root -o Acquire::Retries=3)

say "looking for libbpf $VERSION source in Debian ($SUITES) ..."
apt-get "${apt_opts[@]}" -q update >"$top/apt-update.log" 2>&1 ||
	{ tail -n 20 "$top/apt-update.log" >&2; die "apt-get update failed (log: $top/apt-update.log)"; }
# every libbpf source version the suites list; ours is the one with upstream VERSION
deb_version=$(apt-cache "${apt_opts[@]}" showsrc libbpf 2>/dev/null |
	awk -v v="$VERSION" '$1 == "Version:" && index($2, v "-") == 1 { print $2; exit }')
[[ -n $deb_version ]] ||
	die "no Debian source package of libbpf $VERSION in $SUITES (set NT_LIBBPF_SUITES, or pin another version in the Makefile)"

src=$top/src-$VERSION
rm -rf "$src" "$DIR"
mkdir -p "$src"
(cd "$src" && apt-get "${apt_opts[@]}" -q source --download-only "libbpf=$deb_version") \
	>"$top/apt-source.log" 2>&1 ||
	{ tail -n 20 "$top/apt-source.log" >&2; die "apt-get source libbpf=$deb_version failed"; }
orig=$src/libbpf_$VERSION.orig.tar.gz
[[ -r $orig ]] || die "no $orig in Debian's libbpf $deb_version"
got=$(sha256sum "$orig" | cut -d' ' -f1)
[[ $got == "$SHA256" ]] || die "libbpf_$VERSION.orig.tar.gz: sha256 $got, pinned $SHA256"
(cd "$src" && dpkg-source -q -x "libbpf_$deb_version.dsc" tree) >/dev/null 2>&1 ||
	die "dpkg-source could not unpack libbpf $deb_version"

# ---- static library and headers, with the project's optimisation flags (-fPIC: the
# default build links it into a PIE)
say "building libbpf $deb_version ..."
make -s -C "$src/tree/src" -j"$(nproc)" BUILD_STATIC_ONLY=1 OBJDIR="$src/obj" \
	CFLAGS="-O2 -g" EXTRA_CFLAGS="-fPIC" PREFIX=/ LIBDIR=/lib INCLUDEDIR=/include \
	DESTDIR="$DIR.tmp" install install_uapi_headers >"$top/build.log" 2>&1 ||
	{ tail -n 20 "$top/build.log" >&2; die "building libbpf failed (log: $top/build.log)"; }
echo "$deb_version" >"$DIR.tmp/debian-version"
mv "$DIR.tmp" "$DIR"
rm -rf "$src"
say "libbpf $deb_version in $DIR"
