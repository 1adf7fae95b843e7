# crumb — build and test entry points. `make test` is the command CI runs.

GO ?= go
PKGS := ./...
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: test deps fmt-check vet race allocs bench-module generate fuzz bench

## test: install what the tests need, then gofmt check, vet, race tests, allocation checks, and the bench module's tests.
test: deps fmt-check vet race allocs bench-module

## deps: install missing test dependencies (Go toolchain check; system packages as they are needed).
deps:
	@scripts/install-test-deps.sh

fmt-check:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

race:
	CRUMB_REQUIRE_DEPS=1 $(GO) test -race -count=1 $(PKGS)

# Allocation counts are meaningless under -race (sync.Pool drops items), so the
# allocation tests run once more without it.
allocs:
	CRUMB_REQUIRE_DEPS=1 $(GO) test -count=1 -run 'Allocations|Allocs' $(PKGS)

# The bench module (peer comparison, load test) has its own go.mod, so ./...
# above does not reach it: vet it and run its tests (short runs of every
# benchmark case and of the load test, split mode included) here.
bench-module:
	cd bench && $(GO) vet ./... && CRUMB_REQUIRE_DEPS=1 $(GO) test -race -count=1 ./...

## generate: regenerate the test vectors (deterministic). The built-in dictionary is never regenerated.
generate:
	$(GO) generate ./internal/vectors

## fuzz: run each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
FUZZ = $(GO) test -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -fuzz
fuzz:
	$(FUZZ) '^FuzzOpen$$' ./internal/token
	$(FUZZ) '^FuzzClaims$$' ./internal/token
	$(FUZZ) '^FuzzDecode$$' ./codec
	$(FUZZ) '^FuzzRoundTrip$$' ./codec
	$(FUZZ) '^FuzzS2Encode$$' ./codec
	$(FUZZ) '^FuzzSplitObject$$' ./codec
	$(FUZZ) '^FuzzAppendObjectKeys$$' ./codec
	$(FUZZ) '^FuzzReadCookies$$' ./middleware
	$(FUZZ) '^FuzzLegacyRead$$' ./cookie/gorilla
	$(FUZZ) '^FuzzCodecDecode$$' ./cookie/gorilla

## bench: run the benchmarks behind BENCHMARKS.md and regenerate it (not part of `make test`; about 45 min on 2 cores).
## The peer comparison and the HTTP load test live in the separate module bench/ (its own go.mod).
BENCHCOUNT ?= 10
# LOADROUNDS rounds of the HTTP load test, LOADTEST_DURATION measured per case and round.
LOADROUNDS ?= 3
LOADTEST_DURATION ?= 5s
# Each benchmark runs once per round, BENCHCOUNT rounds (scripts/bench-rounds.sh says why).
# -timeout: one round of the bench module's peer comparison must not meet go test's default limit.
BENCH = GO=$(GO) sh $(CURDIR)/scripts/bench-rounds.sh $(BENCHCOUNT) -timeout 60m
bench:
	{ $(BENCH) -bench 'Token|Floor|Gorilla' ./internal/token && \
	  $(BENCH) -bench 'S2Dict' ./codec && \
	  $(BENCH) -bench 'CreateRead|Read|Registry' ./cookie && \
	  $(BENCH) -bench 'Local' ./registry && \
	  $(BENCH) -bench 'Middleware' ./middleware && \
	  $(BENCH) -bench 'Check$$|Revoke' ./revocation && \
	  $(GO) test -run '^$$' -benchmem -count 3 -benchtime 1x -bench 'Flood' ./revocation && \
	  CRUMB_REQUIRE_DEPS=1 $(BENCH) -bench 'Check|RevokeSession|Registry' ./revocation/redisset && \
	  (cd bench && $(BENCH) -bench 'Compare|Composition' ./... && \
	    $(GO) test -run '^$$' -benchmem -count 1 -bench 'CorpusSize|CandidateDictionary' ./...) && \
	  (cd bench && LOADTEST_DURATION=$(LOADTEST_DURATION) $(GO) run ./cmd/loadtest -rounds $(LOADROUNDS)) && \
	  (cd bench && LOADTEST_DURATION=$(LOADTEST_DURATION) $(GO) run ./cmd/loadtest -rounds $(LOADROUNDS) -split); } | tee bench.txt
	cd bench && $(GO) test -run '^$$' -bench 'CompositionOps/small/crumb/create$$' -benchtime 3s -cpuprofile ../bench-create.pprof -o ../bench-create.test . > /dev/null
	$(GO) tool pprof -top -nodecount 25 bench-create.test bench-create.pprof > bench-profile-create.txt
	$(GO) test -run '^$$' -bench 'Middleware/crumb/read-unchanged$$' -benchtime 3s -cpuprofile bench-read.pprof -o bench-read.test ./middleware > /dev/null
	$(GO) tool pprof -top -nodecount 25 bench-read.test bench-read.pprof > bench-profile-read.txt
	$(GO) test -run '^$$' -bench 'Middleware/crumb/read-unchanged-no-cache$$' -benchtime 3s -cpuprofile bench-read-no-cache.pprof -o bench-read.test ./middleware > /dev/null
	$(GO) tool pprof -top -nodecount 25 bench-read.test bench-read-no-cache.pprof > bench-profile-read-no-cache.txt
	$(GO) run ./internal/cmd/benchreport -command "make bench (BENCHCOUNT=$(BENCHCOUNT) LOADROUNDS=$(LOADROUNDS) LOADTEST_DURATION=$(LOADTEST_DURATION))" \
	  -profile "Store.Create of the ~150-byte typed session (bench module, CompositionOps/small/crumb/create)=bench-profile-create.txt" \
	  -profile "Middleware: a request reading an unchanged session, answered from the read cache (BenchmarkMiddleware/crumb/read-unchanged)=bench-profile-read.txt" \
	  -profile "Middleware: the same request with the read cache off, as a token's first two reads (BenchmarkMiddleware/crumb/read-unchanged-no-cache)=bench-profile-read-no-cache.txt" \
	  < bench.txt > BENCHMARKS.md.tmp
	mv BENCHMARKS.md.tmp BENCHMARKS.md
