# The two quickstart commands. Each installs whatever is missing first (npm packages here;
# server binaries into .tools/ on first use), printing what it does.
.PHONY: start test install check system-packages

# `npm install`, not `npm ci`: node-llama-cpp lists optional prebuilt binaries for every
# platform, and the registries these machines reach lack some of them (404). `npm install`
# skips a missing optional package as npm intends; `npm ci` refuses the whole lock file for it.
# The lock file still pins every version that is installed.
node_modules/.install-stamp: package.json package-lock.json
	@echo "==> Installing npm dependencies (npm install, pinned by package-lock.json)..."
	npm install --no-audit --no-fund
	@touch $@

install: node_modules/.install-stamp

## Debian packages the tests use (chromium for the web UI test); quiet when present.
system-packages:
	@bash scripts/install-system-packages.sh

## Run the whole platform on the embedded default (Ctrl-C stops what it started).
start: install
	node bin/second-brain.mjs start

## Type-check, lint, format-check, then run every test against real servers.
test: install system-packages
	@echo "==> Type-checking, linting and format-checking..."
	npm run --silent check
	@echo "==> Running tests (starts Temporal, FerretDB and an S3 server on free ports)..."
	npm test --silent

check: install
	npm run --silent check
