# reports: the HTML report's browser test needs headless Chromium (Debian's
# `chromium`), the LaTeX compile test pdflatex with booktabs, siunitx and
# adjustbox (Debian's texlive-latex-base, texlive-latex-recommended,
# texlive-latex-extra, texlive-science). `make test` installs them when
# missing; when that fails (no root, no network) the tests skip with a
# message instead.
TEST_DEPS += reports-chromium reports-texlive

REPORTS_TEX_PKGS := texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-science

.PHONY: reports-chromium reports-texlive
reports-chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "reports: installing chromium for the HTML report test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1 || \
		{ apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1; } || \
		echo "reports: could not install chromium; TestHTMLChromium will skip"; \
	}

reports-texlive:
	@{ command -v pdflatex >/dev/null 2>&1 && kpsewhich siunitx.sty adjustbox.sty booktabs.sty 2>/dev/null | grep -c sty | grep -qx 3; } || { \
		echo "reports: installing $(REPORTS_TEX_PKGS) for the LaTeX compile test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y $(REPORTS_TEX_PKGS) >/dev/null 2>&1 || \
		{ apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $(REPORTS_TEX_PKGS) >/dev/null 2>&1; } || \
		echo "reports: could not install TeX; TestLaTeXCompiles will skip"; \
	}
