# reports: the HTML report's browser test needs headless Chromium (Debian's
# `chromium`). `make test` installs it when missing; when that fails (no
# root, no network) the test skips with a message instead.
TEST_DEPS += reports-chromium

.PHONY: reports-chromium
reports-chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "reports: installing chromium for the HTML report test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1 || \
		{ apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1; } || \
		echo "reports: could not install chromium; TestHTMLChromium will skip"; \
	}
