# Set-up and the two commands the README names: `make demo` and `make test`.
# Each creates .venv when missing and installs torch (CPU build, pinned: an
# unpinned torch pulls a multi-GB CUDA build) and every distribution here.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))
DEMO_SITE := build/demo-site
DEMO_CFG := configs/tiny/tiny-regressor_linear_1xb16-3e_synthetic.py

.PHONY: install test demo wheels clean

$(VENV)/.installed: pyproject.toml $(addsuffix pyproject.toml,$(PLUGINS))
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=23" "setuptools>=77,<81" wheel
	$(PIP) install --quiet torch==2.13.0 "numpy>=1.24" "cython>=3" "lmdb>=1.4"
	# xtcocotools' 3.11 wheel is built against numpy 1.x and fails under numpy 2;
	# its sdist declares no build requirements: build it here against our numpy
	$(PIP) install --quiet --no-build-isolation --no-binary xtcocotools "xtcocotools>=1.12"
	$(PIP) install --quiet --no-build-isolation -e ".[test]" $(addprefix -e ,$(PLUGINS))
	touch $@

install: $(VENV)/.installed

test: install
	$(PY) -m pytest

demo: install
	rm -rf $(DEMO_SITE)
	$(PIP) install --quiet --no-deps --no-build-isolation --target $(DEMO_SITE) tests/plugins/tiny
	PYTHONPATH=$(DEMO_SITE) $(VENV)/bin/posecore plugins list
	PYTHONPATH=$(DEMO_SITE) $(VENV)/bin/posecore train $(DEMO_CFG) --work-dir work_dirs/demo
	PYTHONPATH=$(DEMO_SITE) $(VENV)/bin/posecore test $(DEMO_CFG) \
		work_dirs/demo/epoch_3.pth --work-dir work_dirs/demo --out work_dirs/demo/test_metrics.json
	cat work_dirs/demo/test_metrics.json

wheels: install
	$(PIP) wheel --quiet --no-deps --no-build-isolation -w dist . $(PLUGINS)

clean:
	rm -rf build dist work_dirs
