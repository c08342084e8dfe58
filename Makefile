# consentgw — see README.md. `make test` is the whole suite, exactly what CI runs.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/consentgw/consentgw/cmd/internal/gateway.Version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: build run test vet fuzz bench load clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o consentgw ./cmd/consentgw

run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/consentgw serve

# Unit, fuzz-seed and end-to-end (SIPp) tests, all with the race detector.
test: vet
	$(GO) test -race -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

# Each fuzz target for FUZZTIME (go test -fuzz takes one target per run).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s $$pkg; \
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
	rm -f consentgw
