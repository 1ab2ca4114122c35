# fuzz: every Fuzz* target of every package, one after the other, for
# $(FUZZTIME) each. Targets are found by name in *_test.go files, so a new
# FuzzXxx is picked up without editing this file.
FUZZTIME ?= 10s

## fuzz: run each fuzz target for $(FUZZTIME) (e.g. make fuzz FUZZTIME=1m)
fuzz:
	@set -e; \
	dirs=$$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); \
	if [ -z "$$dirs" ]; then echo "no fuzz targets"; exit 0; fi; \
	for d in $$dirs; do \
		for f in $$(grep -h '^func Fuzz' $$d/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort); do \
			echo "== $$d $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$d; \
		done; \
	done
