#!/usr/bin/env bash
# Installs what `make test` needs when it is missing, so that the test command
# works on a fresh machine (Go and apt available). Today the tests need only
# the Go toolchain; system packages (redis-server, chromium) are added here by
# the issues that bring tests needing them.
set -euo pipefail

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

# Download modules up front so a network problem is reported here, clearly.
go mod download
