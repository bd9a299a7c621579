#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Download Debian's linux-source package at the pinned version with a
# private apt configuration (the system's apt sources and state are left
# alone), check the tarball against the checksum kept in the repository and
# unpack it into the cache as a git tree whose first commit is the pristine
# source.  Prints the tree's path.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/kernel.version"

SRC=$CACHE/$KERNEL_TREE
if [ -f "$SRC/.rust-dax-pristine" ]; then
	echo "$SRC"
	exit 0
fi

APTDIR=$CACHE/apt
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc/sources.list.d" \
	"$APTDIR/etc/preferences.d" "$APTDIR/dl"
touch "$APTDIR/status"

# Reuse the Debian archive URI this machine already uses.
uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
[ -n "$uri" ] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null |
	awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
[ -n "$uri" ] || die "no Debian archive URI found in /etc/apt"

cat >"$APTDIR/etc/sources.list" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $KERNEL_SUITE main
EOT

apt_private=(
	-o Dir::Etc::SourceList="$APTDIR/etc/sources.list"
	-o Dir::Etc::SourceParts="$APTDIR/etc/sources.list.d"
	-o Dir::Etc::Preferences="$APTDIR/etc/preferences"
	-o Dir::Etc::PreferencesParts="$APTDIR/etc/preferences.d"
	-o Dir::State="$APTDIR"
	-o Dir::State::Lists="$APTDIR/lists"
	-o Dir::State::status="$APTDIR/status"
	-o Dir::Cache="$APTDIR"
	-o Dir::Cache::Archives="$APTDIR/archives"
	-o Debug::NoLocking=1
	-o APT::Sandbox::User=root
)

info "updating private apt lists for $KERNEL_SUITE"
apt-get "${apt_private[@]}" -qq update || die "apt-get update for $KERNEL_SUITE failed"

versions=$(apt-cache "${apt_private[@]}" madison "$KERNEL_PACKAGE" 2>/dev/null |
	awk -F'|' '{gsub(/ /, "", $2); print $2}')
if ! grep -qxF "$KERNEL_DEB_VERSION" <<<"$versions"; then
	die "$KERNEL_PACKAGE $KERNEL_DEB_VERSION is not offered by $KERNEL_SUITE any more; offered: ${versions:-none}"
fi

info "downloading $KERNEL_PACKAGE=$KERNEL_DEB_VERSION"
(cd "$APTDIR/dl" && rm -f ./*.deb &&
	apt-get "${apt_private[@]}" -qq download "$KERNEL_PACKAGE=$KERNEL_DEB_VERSION") ||
	die "download of $KERNEL_PACKAGE failed"
deb=$(ls "$APTDIR"/dl/*.deb)

info "checking the source tarball"
tarball=$APTDIR/dl/$KERNEL_TARBALL
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$KERNEL_TARBALL" >"$tarball.tmp"
sum=$(sha256sum "$tarball.tmp" | awk '{print $1}')
[ "$sum" = "$KERNEL_TARBALL_SHA256" ] ||
	die "sha256 of $KERNEL_TARBALL is $sum, expected $KERNEL_TARBALL_SHA256"
mv "$tarball.tmp" "$tarball"
rm -f "$deb"

info "unpacking into $SRC"
rm -rf "$SRC.tmp"
mkdir -p "$SRC.tmp"
tar -xf "$tarball" -C "$SRC.tmp" --strip-components=1
(
	cd "$SRC.tmp"
	git init -q -b main
	git -c user.name=rust-dax -c user.email=rust-dax@localhost add -A -f .
	git -c user.name=rust-dax -c user.email=rust-dax@localhost \
		commit -q -m "$KERNEL_PACKAGE $KERNEL_DEB_VERSION"
	git tag pristine
)
echo .rust-dax-pristine >>"$SRC.tmp/.git/info/exclude"
touch "$SRC.tmp/.rust-dax-pristine"
rm -rf "$SRC"
mv "$SRC.tmp" "$SRC"
rm -f "$tarball"
echo "$SRC"
