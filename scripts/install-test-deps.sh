#!/usr/bin/env bash
# Installs what `make test` needs when it is missing, so that the test command
# works on a fresh machine (Go and apt available): a C compiler (go test -race
# needs cgo), Chromium and Firefox (the browser tests) and Redis (the Redis
# revocation set's integration tests).
set -euo pipefail

# apt_install PKG...: install Debian packages, or explain why it cannot.
apt_install() {
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "install-test-deps: $* missing and apt-get unavailable; install them by hand" >&2
		exit 1
	fi
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "install-test-deps: installing $*" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

need_go="1.26"
if ! command -v go >/dev/null 2>&1; then
	echo "install-test-deps: go not found; install Go $need_go or newer (https://go.dev/dl/)" >&2
	exit 1
fi
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need_go" "$have" | sort -V | head -n1)" != "$need_go" ]; then
	echo "install-test-deps: Go $have is too old; crumb needs Go $need_go or newer" >&2
	exit 1
fi

# go test -race needs cgo, and cgo a C compiler and libc headers.
if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/stdlib.h ]; then
	apt_install gcc libc6-dev
fi
if [ "$(go env CGO_ENABLED)" != "1" ]; then
	echo "install-test-deps: CGO_ENABLED is off; go test -race needs it (export CGO_ENABLED=1)" >&2
	exit 1
fi

# The middleware's browser test (TestBrowser in middleware/browser_test.go)
# drives headless Chromium through chromedp. Any of these names will do.
if ! command -v chromium >/dev/null 2>&1 &&
	! command -v chromium-browser >/dev/null 2>&1 &&
	! command -v google-chrome >/dev/null 2>&1; then
	apt_install chromium
fi

# The same browser tests run in Firefox too (TestFirefox), driven over
# WebDriver BiDi, which Firefox speaks natively: no driver or npm package.
if ! command -v firefox-esr >/dev/null 2>&1 && ! command -v firefox >/dev/null 2>&1; then
	apt_install firefox-esr
fi

# The Redis revocation set's tests (revocation/redisset, cmd/sessionctl)
# start redis-server processes of their own on loopback ports, and build a
# Cluster with redis-cli --cluster create. Debian's redis-server brings both
# (redis-cli is in redis-tools, which it depends on); Valkey's will do too.
if { ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; } &&
	{ ! command -v valkey-server >/dev/null 2>&1 || ! command -v valkey-cli >/dev/null 2>&1; }; then
	apt_install redis-server
fi

# Download modules up front so a network problem is reported here, clearly.
go mod download
