# fieldtrace — one non-recursive Makefile.
#   make run    install what is missing, build, dev certificate, migrate, demo data, serve
#   make test   the same set-up, then every test, then every test again under ASan+UBSan
#   make bench  benchmarks (see docs/BENCHMARKS.md)
# SAN=address,undefined builds into build-asan/ (as `make test` does).

CC      ?= cc
SAN     ?=
BUILD   ?= $(if $(SAN),build-asan,build)
CW      := build/civetweb
DB      ?= var/fieldtrace.db
LISTEN  ?= 127.0.0.1:8443

PKGS    := sqlite3 openssl jansson libqrencode libpng libargon2 libcurl gmime-3.0 cairo pangocairo \
           libjpeg
WARN    := -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wundef \
           -fno-common -Wno-missing-field-initializers
# (route tables leave trailing fields such as body_max at their zero default)
OPT     := $(if $(SAN),-O1 -fno-omit-frame-pointer -fsanitize=$(SAN) -fno-sanitize-recover=all,-O2)
CPPFLAGS := -D_GNU_SOURCE -Iinclude -Iserver/http -isystem $(CW)/include -MMD -MP
CFLAGS  := -std=c11 -g $(OPT) $(WARN) -pthread
LDFLAGS := $(if $(SAN),-fsanitize=$(SAN)) -pthread
LDLIBS   = $(shell pkg-config --libs $(PKGS)) -lcrack -lm # cracklib ships no .pc

# civetweb 1.15 from Debian's source package: built with OpenSSL 3 linked
# directly (Debian's binary dlopens libssl and breaks), no CGI, no files.
# SOCKET_TIMEOUT_QUANTUM: how long civetweb polls before it looks at the
# stop flag; its 2 s default made every shutdown (and test) take 2 s.
CW_FLAGS := -DNO_SSL_DL -DOPENSSL_API_3_0 -DNO_CGI -DNO_FILES -DUSE_IPV6 \
            -DSOCKET_TIMEOUT_QUANTUM=200

SERVER_SRC := $(wildcard server/*.c server/*/*.c)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o)
LIB_OBJ    := $(filter-out $(BUILD)/server/main.o,$(SERVER_OBJ)) \
              $(BUILD)/gen/migrations.o $(BUILD)/gen/openapi.o $(BUILD)/gen/console.o \
              $(BUILD)/civetweb.o
TEST_SRC   := $(wildcard tests/*.c)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/%.o)
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
DEPS_STAMP := build/.deps-installed

.PHONY: all deps certs setup run test test-console console-screenshots check check-layers test-asan test-tsan bench bench-console bench-instructions bench-analytics bench-overview bench-day bench-data clean format console
all: $(BUILD)/fieldtrace

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/install-deps.sh
	sh tools/install-deps.sh
	@mkdir -p build && touch $@

# Always asked: the script is a no-op while the certificate has 30+ days left.
certs:
	@sh certs/gen-dev-certs.sh

$(BUILD)/fieldtrace: $(BUILD)/server/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test_fieldtrace: $(TEST_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check libcurl)

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# GLib's and GMime's headers as system headers (our warnings are not theirs);
# only the file that glues GMime in sees them.
$(BUILD)/server/lib/form_multipart.o: CPPFLAGS += \
	$(patsubst -I%,-isystem %,$(shell pkg-config --cflags gmime-3.0))
# cairo's and pango's headers likewise, for the service report only.
$(BUILD)/server/domain/service_report.o: CPPFLAGS += \
	$(patsubst -I%,-isystem %,$(shell pkg-config --cflags cairo pangocairo))

$(BUILD)/tests/%.o: tests/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(shell pkg-config --cflags check) -c -o $@ $<
# The checklists' tests draw their signatures with cairo.
$(BUILD)/tests/test_checklists.o: CPPFLAGS += \
	$(patsubst -I%,-isystem %,$(shell pkg-config --cflags cairo))

$(BUILD)/civetweb.o: $(DEPS_STAMP) Makefile
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -g $(OPT) -pthread -w -I$(CW)/include $(CW_FLAGS) -c -o $@ $(CW)/src/civetweb.c

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $<

# The benchmark data set generator: standalone, links SQLite only.
$(BUILD)/gen_bench_data: tools/gen_bench_data.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -o $@ $< $(shell pkg-config --libs sqlite3)

# civetweb answering one file's bytes: make bench's ceiling for the HTTP
# layer itself (the same civetweb build and options as fieldtrace).
$(BUILD)/static_server: tools/static_server.c $(BUILD)/civetweb.o
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -isystem $(CW)/include -pthread -o $@ $^ \
		$(shell pkg-config --libs openssl)

# A year of tickets for timing analytics (see README, Problems and analytics).
$(BUILD)/gen_tickets: tools/gen_tickets.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -o $@ $< $(shell pkg-config --libs sqlite3)

# make bench-day's open-loop load generator (libcurl multi + jansson), and
# the value files it draws from, read with the server's own code (label
# codes are HMACs): tools/loadgen.c, tools/bench_day_data.c.
$(BUILD)/loadgen: tools/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -o $@ $< $(shell pkg-config --libs libcurl jansson) -lm
$(BUILD)/bench_day_data: $(BUILD)/tools/bench_day_data.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen/migrations.c: $(MIGRATIONS) $(BUILD)/embed
	@mkdir -p $(dir $@)
	$(BUILD)/embed migrations $@ $(MIGRATIONS)

$(BUILD)/gen/openapi.c: docs/openapi.json $(BUILD)/embed
	@mkdir -p $(dir $@)
	$(BUILD)/embed blob openapi_json $@ docs/openapi.json

# The web console (README, "Web console"): its npm packages from
# server/console/package-lock.json, built by Vite into build/console/ (with
# .gz and .br siblings) and embedded as a table of files. One build/console
# for every build folder: the ASan build embeds the same files.
CONSOLE_DIR := server/console
CONSOLE_NPM := $(CONSOLE_DIR)/node_modules/.fieldtrace-installed
CONSOLE_OUT := build/console
CONSOLE_SRC := $(shell find $(CONSOLE_DIR) -path '*/node_modules' -prune -o -type f \( \
               -path '$(CONSOLE_DIR)/src/*' -o -path '$(CONSOLE_DIR)/public/*' \
               -o -path '$(CONSOLE_DIR)/scripts/*' -o -path '$(CONSOLE_DIR)/index.html' \
               -o -path '$(CONSOLE_DIR)/package*.json' -o -path '$(CONSOLE_DIR)/vite.config.ts' \
               -o -path '$(CONSOLE_DIR)/tsconfig*.json' \) -print)

console: $(CONSOLE_OUT)/index.html

# No browser is downloaded: the browser tests use Debian's chromium.
$(CONSOLE_NPM): $(CONSOLE_DIR)/package.json $(CONSOLE_DIR)/package-lock.json
	@command -v node >/dev/null || sh tools/install-deps.sh
	cd $(CONSOLE_DIR) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund \
		--loglevel=error
	@touch $@

# The build checks src/api/schema.d.ts against docs/openapi.json.
$(CONSOLE_OUT)/index.html: $(CONSOLE_SRC) docs/openapi.json $(CONSOLE_NPM)
	cd $(CONSOLE_DIR) && npm run --silent build
	@touch $@

$(BUILD)/gen/console.c: $(CONSOLE_OUT)/index.html $(BUILD)/embed
	@mkdir -p $(dir $@)
	$(BUILD)/embed tree console_files $@ $(CONSOLE_OUT)

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CPPFLAGS) -std=c11 -O1 -c -o $@ $<

# The set-up both `run` and `test` start with: packages, build, dev
# certificate, migrated database with the demo data (idempotent).
setup: $(BUILD)/fieldtrace certs
	@mkdir -p var
	$(BUILD)/fieldtrace migrate --db $(DB) --demo

run: setup
	$(BUILD)/fieldtrace serve --db $(DB) --listen $(LISTEN) \
		--tls-cert certs/server.pem --tls-key certs/server.key

# Each Check test forks, so a crash or hang fails one test, not the run.
TEST_ENV := CK_DEFAULT_TIMEOUT=60 FIELDTRACE_TEST_CA=certs/ca.pem \
            FIELDTRACE_TEST_CERT=certs/server.pem FIELDTRACE_TEST_KEY=certs/server.key
test: setup $(BUILD)/test_fieldtrace check-layers openapi-lint
	rm -f $(OPENAPI_LOG)
	$(TEST_ENV) FIELDTRACE_BIN=$(BUILD)/fieldtrace FIELDTRACE_RESPONSE_LOG=$(CURDIR)/$(OPENAPI_LOG) \
		$(BUILD)/test_fieldtrace
	$(MAKE) --no-print-directory openapi-validate
	$(MAKE) --no-print-directory test-console
	$(MAKE) --no-print-directory test-asan

check: test

# The console's tests (README, "Web console"): its unit tests (Vitest), then
# the browser tests (Playwright driving Debian's chromium, headless) against
# $(BUILD)/fieldtrace on a fresh demo database. test-asan runs the browser
# tests again against the ASan binary.
test-console: $(BUILD)/fieldtrace certs
	cd $(CONSOLE_DIR) && npx vitest run
	cd $(CONSOLE_DIR) && FIELDTRACE_BIN=$(BUILD)/fieldtrace PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		npx playwright test

# The README's screenshots of the console (docs/console/), taken by the
# browser tests on the demo data.
console-screenshots: $(BUILD)/fieldtrace certs
	cd $(CONSOLE_DIR) && FIELDTRACE_BIN=$(BUILD)/fieldtrace PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		FIELDTRACE_SCREENSHOTS=$(CURDIR)/docs/console npx playwright test

# The layer rule (README, Architecture): includes and cross-file calls only
# go down, and no files call each other in a circle.
check-layers: $(BUILD)/fieldtrace
	sh tools/check-layers.sh $(BUILD)

test-asan: certs
	$(MAKE) --no-print-directory SAN=address,undefined build-asan/test_fieldtrace \
		build-asan/fieldtrace
	$(TEST_ENV) FIELDTRACE_BIN=build-asan/fieldtrace ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 build-asan/test_fieldtrace
	cd $(CONSOLE_DIR) && FIELDTRACE_BIN=build-asan/fieldtrace PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp npx playwright test --project=desktop

# ThreadSanitizer (civetweb is a thread per connection): the whole suite.
# Not part of `make test` (slow); tests/tsan.supp lists civetweb's own
# benign races.
test-tsan: certs
	$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread build-tsan/test_fieldtrace \
		build-tsan/fieldtrace
	$(TEST_ENV) FIELDTRACE_BIN=build-tsan/fieldtrace \
		TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp halt_on_error=1" \
		build-tsan/test_fieldtrace

bench: $(BUILD)/fieldtrace $(BUILD)/static_server $(BUILD)/gen_bench_data certs
	sh tools/bench.sh

# make bench-instructions [N=500]: user-space instructions per resolve under
# callgrind; steady from run to run where make bench's rates are not.
bench-instructions: $(BUILD)/fieldtrace $(BUILD)/gen_bench_data certs
	N=$${N:-500} sh tools/bench_instructions.sh

# make bench-analytics [TICKETS=1000000]: each analytics query over a year
# of a national organisation's tickets, and the monthly report (issue 7).
bench-analytics: $(BUILD)/fieldtrace $(BUILD)/gen_tickets certs
	TICKETS=$${TICKETS:-1000000} sh tools/bench_analytics.sh

# make bench-overview [DURATION=10]: the customer 360 view's latency for
# customers with 10, 1,000 and 10,000 units, against nginx (issue 20).
bench-overview: $(BUILD)/fieldtrace certs
	sh tools/bench_overview.sh

# make bench-console [CONSOLES=200] [SECONDS=60]: the web console's figures:
# cold load on Fast 3G, bytes of the first load, time to show a change, and
# what N open boards cost the server (tools/bench_console.sh).
bench-console: $(BUILD)/fieldtrace certs
	sh tools/bench_console.sh

# make bench-day [UNITS=1000000] [TICKETS=1000000] [RATE=R] [SECONDS=60]: the
# busy hour (tools/busy_hour.json) open-loop against the national data set,
# and the capacity: the highest arrival rate with every route's p99 under
# 100 ms (tools/bench_day.sh, docs/BENCHMARKS.md "The busy hour").
bench-day: $(BUILD)/fieldtrace $(BUILD)/loadgen $(BUILD)/bench_day_data $(BUILD)/gen_bench_data \
		$(BUILD)/gen_tickets certs
	sh tools/bench_day.sh

# make bench-data [BENCH_ASSETS=1000000]: a migrated database with the
# national data set (20 events per asset) and a 100,000-row import.csv in
# build/bench-data/. About 110 s and 2.7 GB for a million assets.
BENCH_ASSETS ?= 1000000
BENCH_DATA   := build/bench-data
bench-data: $(BUILD)/fieldtrace $(BUILD)/gen_bench_data
	@mkdir -p $(BENCH_DATA)
	rm -f $(BENCH_DATA)/bench.db $(BENCH_DATA)/bench.db-wal $(BENCH_DATA)/bench.db-shm
	$(BUILD)/fieldtrace migrate --db $(BENCH_DATA)/bench.db
	$(BUILD)/gen_bench_data --db $(BENCH_DATA)/bench.db --assets $(BENCH_ASSETS) \
		--events-per-asset 20 --import-csv $(BENCH_DATA)/import.csv

format:
	clang-format -i $(SERVER_SRC) $(TEST_SRC) include/*/*.h server/http/*.h

clean:
	rm -rf build/server build/tests build/gen build/fieldtrace build/test_fieldtrace \
		build/civetweb.o build/embed build/gen_bench_data build/gen_tickets build/loadgen build/bench_day_data build-asan build-tsan \
		build/console

# --- crash safety and leaks (docs/RELIABILITY.md) ----------------------------
# make crashtest [CRASH_CYCLES=50] [CRASH_SEED=N]: write load against a real
# server killed with SIGKILL at random moments and restarted; after every
# restart each acknowledged write is checked, and nothing half-written.
# make valgrind [VALGRIND_SECONDS=60]: the server (plain build/ objects, no
# ASan) under valgrind over mixed reads and writes, then SIGTERM; fails on
# any invalid access or definite leak.
CRASH_CYCLES     ?= 50
CRASH_SEED       ?=
VALGRIND_SECONDS ?= 60
.PHONY: crashtest valgrind
VALGRIND_CMD     := valgrind --leak-check=full --errors-for-leak-kinds=definite \
                    --show-leak-kinds=definite --error-exitcode=1 --num-callers=30 \
                    --log-file=build/valgrind.log

build/crashtest: tools/crashtest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -pthread -o $@ $< \
		$(shell pkg-config --cflags --libs libcurl sqlite3 jansson libcrypto)

crashtest: build/fieldtrace build/crashtest certs
	build/crashtest --bin build/fieldtrace --cycles $(CRASH_CYCLES) \
		$(if $(CRASH_SEED),--seed $(CRASH_SEED))

valgrind: build/fieldtrace build/crashtest certs
	@command -v valgrind >/dev/null || FIELDTRACE_EXTRA_PACKAGES=valgrind sh tools/install-deps.sh
	build/crashtest --bin build/fieldtrace --soak $(VALGRIND_SECONDS) --wrap "$(VALGRIND_CMD)" \
		|| { tail -n 60 build/valgrind.log; exit 1; }
	@grep -E "ERROR SUMMARY|definitely lost" build/valgrind.log

# --- fuzzing (docs/RELIABILITY.md, "Fuzzing") --------------------------------
# make fuzz [FUZZ_SECONDS=30] [FUZZ_TARGETS="qr csv"]: the libFuzzer harnesses
# tests/fuzz/fuzz_*.c, built with clang and ASan+UBSan into build-fuzz/ (the
# server's objects too, with coverage), each run for FUZZ_SECONDS on a copy
# of its seed corpus tests/fuzz/corpus/<name>/. make fuzz-<name> runs one.
# Not part of `make test`: bounded, but minutes long.
FUZZ_SECONDS ?= 30
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BUILD   := build-fuzz
# clang-only: log.c passes its va_list format on (gcc does not warn).
FUZZ_MAKE    := $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
                SAN=fuzzer-no-link,address,undefined \
                WARN="$(WARN) -Wno-format-nonliteral"
# The HTTP harnesses stand in for civetweb's connection, and keep webhook
# host names off the network (tests/fuzz/fuzz.h).
FUZZ_WRAP    := -Wl,--wrap=mg_get_header,--wrap=mg_get_request_info,--wrap=mg_read \
                -Wl,--wrap=mg_write,--wrap=mg_get_thread_pointer,--wrap=getaddrinfo
FUZZ_SUPPORT := $(BUILD)/tests/fuzz/support.o

.PHONY: fuzz fuzz-build $(FUZZ_NAMES:%=fuzz-%)
fuzz:
	$(FUZZ_MAKE) fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(FUZZ_NAMES:%=fuzz-%): fuzz-%:
	$(FUZZ_MAKE) $(FUZZ_BUILD)/fuzz_$*
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $*

# Only meaningful with BUILD=build-fuzz (what FUZZ_MAKE passes).
fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz_%)

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT) $(LIB_OBJ)
	$(CC) -fsanitize=fuzzer,address,undefined $(FUZZ_WRAP) -pthread -o $@ $^ $(LDLIBS)

-include $(SERVER_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(wildcard $(BUILD)/tests/fuzz/*.d)

# --- hostile clients (docs/RELIABILITY.md, "Hostile clients", "TLS") ---------
# make slowtest [SLOWTEST_FLAGS="--conns-per-address=0 --threads=32"]: a
# legitimate client's p50/p99 with no attack and under 300 slow-header and
# slow-body TLS connections from one and from ten addresses.
.PHONY: slowtest testssl
$(BUILD)/slowloris: tools/slowloris.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -pthread -o $@ $< \
		$(shell pkg-config --libs openssl)

$(BUILD)/slowprobe: tools/slowprobe.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -std=c11 -g -O2 $(WARN) -o $@ $< $(shell pkg-config --libs libcurl)

slowtest: $(BUILD)/fieldtrace $(BUILD)/slowloris $(BUILD)/slowprobe certs
	BIN=$(BUILD)/fieldtrace TOOLS=$(BUILD) SERVE_FLAGS="$(SLOWTEST_FLAGS)" sh tools/slowtest.sh

# make testssl: testssl.sh against a server with the dev certificate; fails
# on any finding above LOW (tools/testssl.sh says which are excluded, why).
testssl: $(BUILD)/fieldtrace certs
	BIN=$(BUILD)/fieldtrace sh tools/testssl.sh

# --- the API document (README, "The API document") ---------------------------
# make openapi-lint: docs/openapi.json through Redocly (recommended-strict) and
# Spectral (spectral:oas), failing on any warning; what stays is explained in
# tools/openapi/redocly.yaml, .redocly.lint-ignore.yaml and .spectral.yaml.
# make openapi-validate: every answer the plain test run logged (make test
# sets FIELDTRACE_RESPONSE_LOG) against the schema documented for its path,
# method and status (tools/openapi/validate-responses.mjs says the rules).
# The npm packages come from tools/openapi/package-lock.json (npm ci).
OPENAPI_DIR := tools/openapi
OPENAPI_NPM := $(OPENAPI_DIR)/node_modules/.fieldtrace-installed
OPENAPI_LOG := build/responses.jsonl
OPENAPI_ENV := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
.PHONY: openapi-lint openapi-validate

$(OPENAPI_NPM): $(OPENAPI_DIR)/package.json $(OPENAPI_DIR)/package-lock.json
	@command -v node >/dev/null || sh tools/install-deps.sh
	cd $(OPENAPI_DIR) && npm ci --engine-strict --no-audit --no-fund --loglevel=error
	@touch $@

openapi-lint: $(OPENAPI_NPM)
	$(OPENAPI_ENV) $(OPENAPI_DIR)/node_modules/.bin/redocly lint --config $(OPENAPI_DIR)/redocly.yaml \
		--format=stylish docs/openapi.json
	$(OPENAPI_DIR)/node_modules/.bin/spectral lint --ruleset $(OPENAPI_DIR)/.spectral.yaml \
		--fail-severity=warn docs/openapi.json

openapi-validate: $(OPENAPI_NPM)
	node $(OPENAPI_DIR)/validate-responses.mjs docs/openapi.json $(OPENAPI_LOG)
