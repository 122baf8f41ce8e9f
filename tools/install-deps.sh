#!/bin/sh
# Installs what fieldtrace needs to build, test and run on Debian 12, and
# fetches civetweb 1.15 from Debian's source package into build/civetweb.
# Idempotent: does nothing (and touches no network) when all is present.
# Why not Debian's libcivetweb binary: it dlopens libssl and calls a symbol
# OpenSSL 3 no longer exports, so HTTPS requests crash (see README).
set -eu

# python3-aiosmtpd, -h2, -cryptography: the tests' local provider
# receivers (a real SMTP server; APNs' HTTP/2; JWT signature checks).
# chromium: the console's browser tests drive Debian's build, never a
# downloaded one; fonts-noto-cjk: its Chinese pages render (and are
# screenshotted) with real glyphs. coturn: the remote-assistance browser
# tests relay their media through a real TURN server they start.
# libgmime-3.0-dev: multipart/form-data (the nameplate report's photos) is
# parsed by GMime, never by hand.
PACKAGES="build-essential pkg-config libsqlite3-dev libssl-dev libqrencode-dev
libjansson-dev libpng-dev libargon2-dev check libsubunit-dev libcurl4-openssl-dev
dpkg-dev openssl sqlite3 zbar-tools clang libclang-rt-dev valgrind
libcrack2-dev cracklib-runtime chromium fonts-noto-cjk
python3 python3-aiosmtpd python3-h2 python3-cryptography tzdata coturn
libgmime-3.0-dev libcairo2-dev libpango1.0-dev libjpeg-dev poppler-utils"
[ -n "${FIELDTRACE_EXTRA_PACKAGES:-}" ] && PACKAGES="$PACKAGES $FIELDTRACE_EXTRA_PACKAGES"
# Node.js and npm for make openapi-lint / openapi-validate (tools/openapi/).
# Only when there is no node at all: a machine whose image brings its own
# Node.js (with npm inside) must not get Debian's npm, which wants Debian's.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

updated=no
apt_update() {
	[ "$updated" = yes ] && return 0
	as_root apt-get update -qq
	updated=yes
}

if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	apt_update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

CW_DIR=build/civetweb
if [ ! -f "$CW_DIR/src/civetweb.c" ]; then
	SRC_LIST=/etc/apt/sources.list.d/fieldtrace-deb-src.sources
	if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "install-deps: adding a deb-src entry ($SRC_LIST)"
		as_root sh -c "cat > $SRC_LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		updated=no
	fi
	apt_update
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get source --download-only civetweb=1.15+dfsg-4 >/dev/null 2>&1 ||
		apt-get source --download-only civetweb >/dev/null)
	rm -rf "$CW_DIR"
	mkdir -p build
	dpkg-source --no-check -x "$tmp"/civetweb_*.dsc "$CW_DIR" >/dev/null
	rm -rf "$tmp"
	grep -q 'CIVETWEB_VERSION "1.15"' "$CW_DIR/include/civetweb.h" || {
		echo "install-deps: expected civetweb 1.15 in $CW_DIR" >&2
		exit 1
	}
	echo "install-deps: civetweb source ready in $CW_DIR"
fi
