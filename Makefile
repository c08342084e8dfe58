# consentgw — see README.md. `make test` is the whole suite, exactly what CI runs.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/consentgw/consentgw/cmd/internal/gateway.Version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: build run test test-short vet lint phone fuzz fuzz-smoke bench load clean

PHONE_WEB := cmd/internal/phone/web

build: phone
	$(GO) build -ldflags "$(LDFLAGS)" -o consentgw ./cmd/consentgw

run: phone
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/consentgw serve

# Unit, fuzz-seed and end-to-end (SIPp, Chromium) tests, all with the race detector,
# after go vet and the linters. Then every fuzz target briefly (make fuzz-smoke), so a
# parser that now crashes fails CI.
test: phone vet lint
	$(GO) test -race -count=1 -timeout 15m ./...
	$(MAKE) fuzz-smoke FUZZ_SMOKE=2s

# The fast tier: unit tests, fuzz seeds and calls between Go peers through an in-process
# gateway, in under a minute; no root and no outside program (tests that need SIPp, MinIO,
# nats-server, Chromium, baresip or Kamailio skip under -short).
test-short:
	$(GO) test -short ./...

vet:
	$(GO) vet ./...

# golangci-lint v2 with .ci/golangci.yml (staticcheck, errorlint, contextcheck, unused,
# ineffassign, govet); .ci/run installs it into the cache below.
GOLANGCI_LINT ?= $(shell command -v golangci-lint || echo $(HOME)/.cache/consentgw/bin/golangci-lint)
lint:
	$(GOLANGCI_LINT) run -c .ci/golangci.yml ./...

# The browser phone page's script: JsSIP from npm, bundled by esbuild into the directory
# the gateway embeds (never committed).
phone:
	cd $(PHONE_WEB) && npm ci --no-audit --no-fund && npx esbuild --version >/dev/null && npm run build

# Each fuzz target for FUZZTIME (go test -fuzz takes one target per run).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s $$pkg; \
		done; \
	done

# Every fuzz target briefly, for CI: its seeds (testdata/fuzz and the package's
# testdata/fuzz/FuzzName) plus FUZZ_SMOKE of new inputs. Targets are found by grep, so
# only packages that have one are built. The fuzzing engine sometimes ends a run at its
# deadline with "context deadline exceeded" and no failing input: that is retried once;
# a real crash writes its input ("Failing input written") and fails at once.
FUZZ_SMOKE ?= 3s
fuzz-smoke:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | sed 's/^func //'); do \
			echo "== $$dir $$target"; \
			run="$(GO) test -run ^$$ -fuzz ^$$target$$ -fuzztime $(FUZZ_SMOKE) -fuzzminimizetime 2s $$dir"; \
			if ! out=$$($$run 2>&1); then \
				echo "$$out"; \
				if echo "$$out" | grep -q 'Failing input written'; then exit 1; fi; \
				echo "-- no failing input: the fuzzing engine's deadline; running $$target once more"; \
				$$run; \
			else echo "$$out" | tail -n 2; fi; \
		done; \
	done

# Per-packet benchmarks with allocation counts: RTP parse and send, relay forward (with and
# without the recorder tap), G.711, RFC 4733 parse, Goertzel per frame, recorder write.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sip/... ./ivr/... ./recorder/...

# Bounded SIPp load runs (root needed): CPU, memory, loss per call; with -P against
# Kamailio + rtpengine. LOAD_ARGS="-r 10,20 -c 50,100 -P" (see testdata/load/README.md).
load:
	testdata/load/run.sh $(LOAD_ARGS)

clean:
	rm -f consentgw $(PHONE_WEB)/dist/phone.js
