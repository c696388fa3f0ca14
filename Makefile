# Build, test and train trader. `make test` is what CI runs (.ci/run).
GO       ?= go
DATA     ?= ../shared/data
BIN      ?= bin/trader
FUZZTIME ?= 5s
WEIGHTS  := latentmodel/weights/default.safetensors

# Settings of the embedded weights; docs/model.md records the run that produced them.
MODEL_FLAGS ?= --seed 1

.PHONY: build install test vet fmt-check unit race fuzz lint bench model eval clean

build:
	$(GO) build -o $(BIN) ./cmd/trader

install:
	$(GO) install ./cmd/trader

test: fmt-check vet unit race fuzz

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race ./latentmodel/... ./thinker/... ./agents/... ./debate/... ./graph/... ./manager/... ./marketdata/...

# Each fuzz target runs briefly; `go test -fuzz` accepts one target per run.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) ./marketdata
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeChart$$' -fuzztime $(FUZZTIME) ./marketdata
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./internal/safetensors
	$(GO) test -run '^$$' -fuzz '^FuzzMatMulAdd$$' -fuzztime $(FUZZTIME) ./latentmodel
	$(GO) test -run '^$$' -fuzz '^FuzzParseYAML$$' -fuzztime $(FUZZTIME) ./graph
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) ./thinker/llm
	$(GO) test -run '^$$' -fuzz '^FuzzParseExitRule$$' -fuzztime $(FUZZTIME) ./thinker

lint: fmt-check vet

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./latentmodel/... ./marketdata/...

# Train the embedded weights from scratch on $(DATA).
model:
	$(GO) run ./cmd/trader model train --data $(DATA) --out $(WEIGHTS) $(MODEL_FLAGS)

# Print the test-split table of docs/model.md.
eval:
	$(GO) run ./cmd/trader model eval --data $(DATA) --split test

clean:
	rm -rf bin
