#!/usr/bin/env bash
# scripts/dep.sh PACKAGE VERSION SHA256 DIR [PATCHES]: a static library built from Debian's
# source package PACKAGE (upstream VERSION) into DIR (DIR/include, DIR/lib/*.a), with our
# patches from directory PATCHES (*.patch, -p1, in name order) on top of Debian's. The two the
# binary links: libbpf (DIR/lib/libbpf.a) and libmicrohttpd (DIR/lib/libmicrohttpd.a, the
# HTTP server behind --prometheus).
#
# The source comes through a private apt configuration (own sources list, lists and
# cache under DIR/../apt), as the guest tier fetches its kernels: the machine's own apt
# setup is never read or changed. Debian's unstable and testing suites are asked for a
# PACKAGE source whose upstream version is VERSION; its .orig tarball must have SHA256
# (the pin: the same upstream code whatever Debian revision carries it). dpkg-source
# unpacks it with Debian's patches. Built once per VERSION; a lock guards parallel makes.
set -euo pipefail

usage="usage: dep.sh libbpf|libmicrohttpd VERSION SHA256 DIR [PATCHES]"
PACKAGE=${1:?$usage}
VERSION=${2:?$usage}
SHA256=${3:?$usage}
DIR=${4:?$usage}
PATCHES=${5:-}
MIRROR=${NT_DEP_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SUITES=${NT_DEP_SUITES:-sid forky trixie-backports}

say() { echo "dep.sh: $*" >&2; }
die() {
	say "$*"
	exit 1
}

case $PACKAGE in
libbpf) marker=lib/libbpf.a ;;
libmicrohttpd) marker=lib/libmicrohttpd.a ;;
*) die "$usage" ;;
esac
[[ -r $DIR/$marker ]] && exit 0

top=$(dirname "$DIR")
mkdir -p "$top"
exec 9>"$top/.lock"
flock -w 600 9 || die "timed out waiting for $top/.lock"
[[ -r $DIR/$marker ]] && exit 0

# ---- the source package, through a private apt configuration (lists fetched once an hour)
apt_dir=$top/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
[[ -r $KEYRING ]] || die "$KEYRING missing: apt-get install debian-archive-keyring"
: >"$apt_dir/sources.list.new"
for s in $SUITES; do
	echo "deb-src [signed-by=$KEYRING] $MIRROR $s main" >>"$apt_dir/sources.list.new"
done
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=/dev/null
	-o APT::Sandbox::User=root -o Acquire::Retries=3)

if ! cmp -s "$apt_dir/sources.list.new" "$apt_dir/sources.list" ||
	[[ -z $(find "$apt_dir/lists" -maxdepth 1 -name '*Sources*' -mmin -60 -print -quit) ]]; then
	mv "$apt_dir/sources.list.new" "$apt_dir/sources.list"
	say "looking for $PACKAGE $VERSION source in Debian ($SUITES) ..."
	apt-get "${apt_opts[@]}" -q update >"$top/apt-update.log" 2>&1 ||
		{ tail -n 20 "$top/apt-update.log" >&2; die "apt-get update failed (log: $top/apt-update.log)"; }
fi
# every source version of PACKAGE the suites list; ours is the one with upstream VERSION
deb_version=$(apt-cache "${apt_opts[@]}" showsrc "$PACKAGE" 2>/dev/null |
	awk -v v="$VERSION" '$1 == "Version:" && index($2, v "-") == 1 { print $2; exit }')
[[ -n $deb_version ]] ||
	die "no Debian source package of $PACKAGE $VERSION in $SUITES (set NT_DEP_SUITES, or pin another version in the Makefile)"

src=$top/src-$PACKAGE-$VERSION
rm -rf "$src" "$DIR"
mkdir -p "$src"
(cd "$src" && apt-get "${apt_opts[@]}" -q source --download-only "$PACKAGE=$deb_version") \
	>"$top/apt-source.log" 2>&1 ||
	{ tail -n 20 "$top/apt-source.log" >&2; die "apt-get source $PACKAGE=$deb_version failed"; }
orig=$(ls "$src/${PACKAGE}_$VERSION.orig.tar."* 2>/dev/null | grep -v '\.asc$' | head -n 1)
[[ -n $orig && -r $orig ]] || die "no ${PACKAGE}_$VERSION.orig.tar.* in Debian's $PACKAGE $deb_version"
got=$(sha256sum "$orig" | cut -d' ' -f1)
[[ $got == "$SHA256" ]] || die "$(basename "$orig"): sha256 $got, pinned $SHA256"
(cd "$src" && dpkg-source -q -x "${PACKAGE}_$deb_version.dsc" tree) >/dev/null 2>&1 ||
	die "dpkg-source could not unpack $PACKAGE $deb_version"
ours=0
for p in ${PATCHES:+"$PATCHES"/*.patch}; do
	patch -s -p1 -d "$src/tree" <"$p" || die "$(basename "$p") does not apply to $PACKAGE $deb_version"
	ours=$((ours + 1))
done

# ---- static library and headers, with the project's optimisation flags (-fPIC: the
# default build links them into a PIE)
build_libbpf() {
	make -s -C "$src/tree/src" -j"$(nproc)" BUILD_STATIC_ONLY=1 OBJDIR="$src/obj" \
		CFLAGS="-O2 -g" EXTRA_CFLAGS="-fPIC" PREFIX=/ LIBDIR=/lib INCLUDEDIR=/include \
		DESTDIR="$DIR.tmp" install install_uapi_headers
}

# Only what a metrics endpoint needs: no TLS (it would pull gnutls, which does not link
# statically), no authentication, no POST parser; threads and epoll kept.
build_libmicrohttpd() {
	cd "$src/tree" &&
		# the patched tests leave Makefile.am newer than the shipped Makefile.in: keep
		# the release's generated files (no autotools here)
		touch aclocal.m4 && touch configure && find . -name Makefile.in -exec touch {} + &&
		touch MHD_config.h.in &&
		./configure --quiet --prefix=/ --enable-static --disable-shared --with-pic \
			--disable-https --disable-curl --disable-doc --disable-examples --disable-tools \
			--disable-dauth --disable-bauth --disable-postprocessor --disable-httpupgrade \
			--disable-cookie --without-gnutls CFLAGS="-O2 -g" &&
		make -s -j"$(nproc)" -C src/microhttpd &&
		make -s -C src/microhttpd install DESTDIR="$DIR.tmp" &&
		make -s -C src/include install DESTDIR="$DIR.tmp"
}

say "building $PACKAGE $deb_version ..."
rm -rf "$DIR.tmp"
("build_$PACKAGE") >"$top/build-$PACKAGE.log" 2>&1 ||
	{ tail -n 20 "$top/build-$PACKAGE.log" >&2; die "building $PACKAGE failed (log: $top/build-$PACKAGE.log)"; }
case $ours in
0) echo "$deb_version" ;;
1) echo "$deb_version + 1 patch of ours" ;;
*) echo "$deb_version + $ours patches of ours" ;;
esac >"$DIR.tmp/debian-version"
mv "$DIR.tmp" "$DIR"
rm -rf "$src"
say "$PACKAGE $deb_version in $DIR"
