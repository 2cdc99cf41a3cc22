# goha: cluster membership, vote quorum, master election and a replicated config
# store, shipped as libgoha.so behind the confd_ha_*, votequorum_* and cmm_* C APIs.
#
# `make` prints this help. Every target is safe to run from a clean clone.

SHELL      := /bin/bash
GO         ?= go
BUILD      := build
BIN        := $(BUILD)/bin
LIB        := $(BUILD)/lib
COMPAT     := $(LIB)/corosync
COMPAT_LIBS := libvotequorum.so.8 libquorum.so.5 libcmap.so.4 libcfg.so.7 libcorosync_common.so.4
GOFLAGS    ?=
FUZZTIME   ?= 3s
export CGO_ENABLED := 1

# VERSION is the one version source: gohad, gohactl and goha_version() get
# it through -X, the SONAME takes its major, goha.pc and the Python package
# read it too (core/version's test checks goha.h and python/ agree).
VERSION    := $(shell cat VERSION)
SOMAJOR    := $(firstword $(subst ., ,$(VERSION)))
SONAME     := libgoha.so.$(SOMAJOR)
GO_LDFLAGS := -X github.com/goha/goha/core/version.version=$(VERSION)

GO_SOURCES := $(shell find core capi -name '*.go' 2>/dev/null) go.mod go.sum VERSION
HEADERS    := $(shell find include -name '*.h' 2>/dev/null)

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@echo "goha make targets:"
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

.PHONY: build
build: $(BIN)/gohad $(BIN)/gohactl lib ## Build gohad, gohactl and libgoha.so into build/

$(BIN)/gohad: $(GO_SOURCES)
	@mkdir -p $(BIN)
	@if [ -d core/cmd/gohad ]; then $(GO) build $(GOFLAGS) -ldflags "$(GO_LDFLAGS)" -o $@ ./core/cmd/gohad; else echo "core/cmd/gohad does not exist yet"; fi

$(BIN)/gohactl: $(GO_SOURCES)
	@mkdir -p $(BIN)
	@if [ -d core/cmd/gohactl ]; then $(GO) build $(GOFLAGS) -ldflags "$(GO_LDFLAGS)" -o $@ ./core/cmd/gohactl; else echo "core/cmd/gohactl does not exist yet"; fi

.PHONY: lib
lib: $(LIB)/libgoha.so $(COMPAT)/.built ## Build build/lib/libgoha.so (SONAME libgoha.so.MAJOR of VERSION) and the corosync compat libraries

# go build skips the link when the output is up to date by its build id,
# which ignores the version script: remove the output so that it relinks.
$(LIB)/libgoha.so: $(GO_SOURCES) $(HEADERS) $(wildcard capi/*.map capi/*.dynlist capi/*.c capi/*.h)
	@mkdir -p $(LIB)
	@rm -f $@
	@if ls capi/*.go >/dev/null 2>&1; then \
		$(GO) build $(GOFLAGS) -buildmode=c-shared \
			-ldflags "$(GO_LDFLAGS) -extldflags '-Wl,-soname,$(SONAME) -Wl,--version-script=$(CURDIR)/capi/libgoha.map -Wl,--dynamic-list=$(CURDIR)/capi/libgoha.dynlist'" \
			-o $@ ./capi && rm -f $(LIB)/libgoha.h && ln -sf libgoha.so $(LIB)/$(SONAME); \
	else echo "capi/ does not exist yet"; fi

# Corosync compatibility libraries (capi/compat/compat.c): empty libraries
# with corosync's names, sonames and version nodes that need libgoha,
# so that binaries linked against Debian's corosync libraries run on goha
# with LD_LIBRARY_PATH=build/lib/corosync; and pkg-config files that build
# corosync clients against include/ and -lgoha
# (PKG_CONFIG_PATH=build/lib/corosync/pkgconfig).
$(COMPAT)/.built: capi/compat/compat.c $(wildcard capi/compat/*.map) $(LIB)/libgoha.so
	@mkdir -p $(COMPAT)/pkgconfig
	@set -e; for so in $(COMPAT_LIBS); do \
		base=$${so%%.so.*}; name=$${base#lib}; \
		$(CC) -shared -fPIC -O2 -o $(COMPAT)/$$so -Wl,-soname,$$so \
			-Wl,--version-script=capi/compat/$$base.map -DGOHA_COMPAT_ANCHOR=goha_compat_$$name \
			capi/compat/compat.c -Wl,--no-as-needed -L$(LIB) -lgoha '-Wl,-rpath,$$ORIGIN/..'; \
		ln -sf $$so $(COMPAT)/$$base.so; \
		printf 'prefix=%s\nincludedir=%s/include\nlibdir=%s/$(LIB)\n\nName: %s\nDescription: corosync %s API of libgoha\nVersion: 3.1.7\nCflags: -I$${includedir}\nLibs: -L$${libdir} -Wl,-rpath,$${libdir} -lgoha\n' \
			"$(CURDIR)" "$(CURDIR)" "$(CURDIR)" "$$base" "$$name" >$(COMPAT)/pkgconfig/$$base.pc; \
	done
	@touch $@

.PHONY: test
test: test-go test-fuzz test-c test-python test-install ## Run every test: Go, short fuzz runs, C, Python, install
	@echo "make test: all suites passed"

.PHONY: test-go
test-go: ## Run the Go unit, transcript, simulation and integration tests
	$(GO) vet ./...
	$(GO) test -count=1 ./...

.PHONY: test-fuzz
# A target fails when it finds a failing input (Go saves it under the
# package's testdata/fuzz/, and plain `go test` replays it from then on).
# The fuzzing engine itself can fail without one on a loaded machine (a
# worker it judged hung); that is shown and the target is run once more.
test-fuzz: ## Run every Go fuzz target for FUZZTIME (default 3s) each
	@set -e; log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for pkg in $$($(GO) list ./core/...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			found="$$($(GO) list -f '{{.Dir}}' $$pkg)/testdata/fuzz/$$f"; \
			before=$$(ls "$$found" 2>/dev/null | wc -l); \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg >$$log 2>&1 && continue; \
			cat $$log; \
			if [ "$$(ls "$$found" 2>/dev/null | wc -l)" != "$$before" ]; then \
				echo "fuzz target $$f in $$pkg failed: the failing input is in $$found"; exit 1; fi; \
			echo "fuzz target $$f in $$pkg: the fuzzing engine failed without a failing input; once more"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg >$$log 2>&1 || \
				{ cat $$log; echo "fuzz target $$f in $$pkg failed"; exit 1; }; \
		done; \
	done

.PHONY: test-c
test-c: build ## Run the C tests in ctests/ against build/lib/libgoha.so and real gohad nodes
	@if [ -x ctests/run.sh ]; then ctests/run.sh; else echo "ctests/run.sh does not exist yet: no C tests"; fi

.PHONY: test-python
test-python: build ## Run the pytest suite in python/tests against the built library
	@if [ -d python/tests ]; then PYTHONPATH=python python3 -m pytest -q python/tests; \
	else echo "python/tests does not exist yet: no Python tests"; fi

.PHONY: demo
demo: build ## Run a 3-node auto-mode cluster on loopback: write, kill the primary, read on the new one, nothing lost, rejoin
	@if [ -x examples/demo.sh ]; then examples/demo.sh; else echo "examples/demo.sh does not exist yet"; exit 1; fi

.PHONY: bench
bench: build ## Print the benchmarks (Go benchmarks, then every examples/bench/*.sh)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./core/... 2>&1 | grep -vE '^(ok|PASS|\?)' || true
	@for b in examples/bench/*.sh; do [ -x "$$b" ] || continue; echo "== $$b"; "$$b" || exit 1; done

.PHONY: conformance
conformance: build ## Run corosync's own tools, test programs and qdevice against goha and Debian's corosync and diff (installs it)
	@if [ -x ctests/conformance/run.sh ]; then ctests/conformance/run.sh; else echo "conformance suite does not exist yet"; exit 1; fi

# staticcheck, installed into build/tools by `make verify` at a fixed version
# (the newest the module proxy serves for this Go release).
STATICCHECK_VERSION := v0.8.2
STATICCHECK         := $(BUILD)/tools/staticcheck

$(STATICCHECK):
	@mkdir -p $(BUILD)/tools
	GOBIN=$(CURDIR)/$(BUILD)/tools $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: verify
verify: $(STATICCHECK) ## gofmt, go vet, go mod tidy -diff and staticcheck
	@test -z "$$(gofmt -l core capi)" || { gofmt -l core capi; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go mod tidy: go.mod/go.sum are not tidy (diff above)"; exit 1; }
	$(STATICCHECK) ./...

# Installation layout (GNU conventions). DESTDIR stages the files for a
# package; RPATH=yes puts -Wl,-rpath,LIBDIR in goha.pc so programs built
# with `pkg-config --libs goha` run without LD_LIBRARY_PATH or ldconfig
# (packagers installing into a system directory set RPATH=no).
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
LIBDIR        ?= $(PREFIX)/lib
INCLUDEDIR    ?= $(PREFIX)/include
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
SYSCONFDIR    ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
PKGCONFIGDIR  ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(LIBDIR)/systemd/system
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
RPATH         ?= yes
INSTALL       ?= install
REALNAME      := libgoha.so.$(VERSION)
MANPAGES      := doc/man/gohad.8 doc/man/gohactl.8 doc/man/goha.toml.5 doc/man/libgoha.3

.PHONY: install
install: build ## Install binaries, libgoha.so.MAJOR, headers, goha.pc, man pages, systemd unit, completion (PREFIX, DESTDIR)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/goha/corosync $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL) -m 0755 $(BIN)/gohad $(BIN)/gohactl $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0755 $(LIB)/libgoha.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgoha.so
	cd include && for h in $$(find . -name '*.h'); do \
		$(INSTALL) -m 0644 -D $$h $(DESTDIR)$(INCLUDEDIR)/goha/$$h; done
	sed -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@LIBREL@|$(shell realpath -m --relative-to=$(PKGCONFIGDIR) $(LIBDIR))|' \
		-e 's|@INCREL@|$(shell realpath -m --relative-to=$(PKGCONFIGDIR) $(INCLUDEDIR)/goha)|' \
		-e 's|@RPATH@|$(if $(filter yes,$(RPATH)),-Wl$(,)-rpath$(,)$${libdir} ,)|' \
		dist/goha.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/goha.pc
	$(INSTALL) -m 0644 doc/man/libgoha.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 0644 doc/man/goha.toml.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 doc/man/gohad.8 doc/man/gohactl.8 $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/systemd/gohad.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/gohad.service
	$(INSTALL) -m 0644 dist/bash-completion/gohactl $(DESTDIR)$(COMPLETIONDIR)/gohactl
	ln -sf gohactl $(DESTDIR)$(COMPLETIONDIR)/gohad
	@echo "installed goha $(VERSION) under $(DESTDIR)$(PREFIX)"

.PHONY: uninstall
uninstall: ## Remove what `make install` installed (same PREFIX, DESTDIR)
	rm -f $(DESTDIR)$(SBINDIR)/gohad $(DESTDIR)$(SBINDIR)/gohactl
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libgoha.so
	rm -rf $(DESTDIR)$(INCLUDEDIR)/goha
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/goha.pc $(DESTDIR)$(SYSTEMDUNITDIR)/gohad.service
	rm -f $(DESTDIR)$(MANDIR)/man3/libgoha.3 $(DESTDIR)$(MANDIR)/man5/goha.toml.5
	rm -f $(DESTDIR)$(MANDIR)/man8/gohad.8 $(DESTDIR)$(MANDIR)/man8/gohactl.8
	rm -f $(DESTDIR)$(COMPLETIONDIR)/gohactl $(DESTDIR)$(COMPLETIONDIR)/gohad

.PHONY: test-install
test-install: build ## Install into a temporary DESTDIR, build and run the C example with pkg-config only
	ctests/install_test.sh

, := ,

.PHONY: clean
clean: ## Remove build/
	rm -rf $(BUILD)
