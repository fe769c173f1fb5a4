# Immo-Connect: `make run` opens the terminal UI, `make test` runs every check.
# Both set up what they need first: Debian packages (apt, when run as root) and .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: what the program runs on (requirements.lock, with the [eid] and [postgres]
# extras), then the development tools on top (requirements-dev.lock).
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PYTEST_WORKERS ?= 4

# Build tools for pyscard (swig, PC/SC headers); PostgreSQL server binaries for the
# throwaway test cluster; pcscd + vpcd + SoftHSM2 for the eID test stack; poppler for PDF
# checks; tmux, the OpenSSH client and sshd (run on a loopback port by the deployment doc test) for the SSH tests; the sqlite3 shell as the wallet
# export benchmark's baseline; DejaVu fonts for PDF vouchers; tzdata for Belgian local time;
# chromium and its driver for the browser test of the one-time sign-in link.
APT_PACKAGES := python3-venv python3-dev build-essential swig libpcsclite-dev pcscd \
	vsmartcard-vpcd softhsm2 opensc poppler-utils postgresql tmux openssh-client openssh-server gettext \
	sqlite3 fonts-dejavu-core tzdata chromium chromium-driver

.PHONY: run test lint typecheck pytest bench demo clean system-packages venv catalogs

run: $(STAMP)
	IMMO_CONNECT_CONFIG=$${IMMO_CONNECT_CONFIG:-plugins.toml} $(BIN)/immo-connect run

demo: $(STAMP)
	IMMO_CONNECT_CONFIG=$${IMMO_CONNECT_CONFIG:-plugins.toml} $(BIN)/immo-connect demo

test: $(DEV_STAMP) lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check core tui plugins tests bench signer

# mypy sees core/ and the eID signer under their import names through a staging folder.
typecheck: $(DEV_STAMP)
	@mkdir -p .build/mypy && ln -sfn ../../core .build/mypy/immo_connect && ln -sfn ../../signer/immo_connect_eid .build/mypy/immo_connect_eid
	cd .build/mypy && ../../$(BIN)/mypy --config-file ../../setup.cfg --cache-dir ../mypy-cache -p immo_connect -p immo_connect_eid

pytest: $(DEV_STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

# Every marked text against the catalogs: lists, per language, the texts that lack a
# translation and where they are used; writes the extracted texts to .build/immo-connect.pot.
catalogs: $(DEV_STAMP)
	$(BIN)/python -m tests.support.catalogs --pot .build/immo-connect.pot

bench: $(DEV_STAMP)
	@# Start-up is measured as users see it: with compiled modules, even where the
	@# environment sets PYTHONDONTWRITEBYTECODE.
	@$(BIN)/python -m compileall -q core tui plugins
	@for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "Missing Debian packages. Run, then try again:"; \
			echo "  sudo apt-get install -y$$missing"; exit 1; \
		fi; \
	fi

$(STAMP): requirements.lock setup.cfg pyproject.toml signer/pyproject.toml
	@$(MAKE) --no-print-directory system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/python -m pip install -q -r requirements.lock -r requirements-dev.lock
	touch $(DEV_STAMP)

venv: $(DEV_STAMP)

clean:
	rm -rf $(VENV) .build build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
