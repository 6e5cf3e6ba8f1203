# Set-up and the two commands the README names: `make demo` and `make test`.
# Each creates .venv when missing and installs torch (CPU build, pinned: an
# unpinned torch pulls a multi-GB CUDA build) and every distribution here.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# first-party plugins, then the example plugins made as a third party would
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml))) $(sort $(dir $(wildcard examples/*/pyproject.toml)))
POSECORE := $(VENV)/bin/posecore
DEMO_DIR := configs/body_2d_keypoint/topdown_heatmap/synth_coco
# the demo: 50 epochs with a bfloat16 forward where the CPU computes bfloat16 natively
# (AMX, AVX-512 BF16), else 20 epochs in float32: each fits 15 minutes of 2 cores there
DEMO_CFG_BF16 := $(DEMO_DIR)/td-hm_hrnet-w32-small_dark-bf16-1xb16-50e_synth-coco-128x96.py
DEMO_CFG_FP32 := $(DEMO_DIR)/td-hm_hrnet-w32-small_dark-1xb16-20e_synth-coco-128x96.py
DEMO_CFG ?=  # set to run another config: make demo DEMO_CFG=...
DEMO_DATA := data/synth_coco
DEMO_WORK := work_dirs/demo
DEMO_DET := $(DEMO_DATA)/person_detection_results/COCO_val2017_detections_AP_H_56_person.json

.PHONY: install test demo wheels bench clean

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

# the main job: synthetic COCO data (made once), train with validation and the best
# checkpoint, test it, draw predictions on validation images, plot the curves
demo: install
	test -f $(DEMO_DATA)/annotations/person_keypoints_val2017.json || \
		$(POSECORE) coco synth $(DEMO_DATA) --train 2000 --val 500 --seed 0
	cfg='$(DEMO_CFG)' && test -n "$$cfg" || cfg=$$($(PY) -c "from posecore.cpu_amp import \
		native_bfloat16; print('$(DEMO_CFG_BF16)' if native_bfloat16() else '$(DEMO_CFG_FP32)')") && \
	echo "demo: $$cfg" && \
	$(POSECORE) train $$cfg --work-dir $(DEMO_WORK) && \
	best=$$(ls -t $(DEMO_WORK)/best_coco_AP_epoch_*.pth | head -n 1) && \
	$(POSECORE) test $$cfg $$best --work-dir $(DEMO_WORK) \
		--out $(DEMO_WORK)/test_metrics.json && \
	$(POSECORE) infer $$cfg $$best $$(ls $(DEMO_DATA)/val2017/*.jpg | head -n 8) \
		--bboxes $(DEMO_DET) --out-dir $(DEMO_WORK)/infer
	$(POSECORE) curves $(DEMO_WORK) --keys loss acc_pose coco/AP
	@$(PY) -c "import json; m = json.load(open('$(DEMO_WORK)/test_metrics.json')); \
		print('demo: COCO AP %.4f, AR %.4f on the synthetic validation set' \
		% (m['coco/AP'], m['coco/AR']))"
	@echo "demo: metrics $(DEMO_WORK)/test_metrics.json, drawings $(DEMO_WORK)/infer/visualizations/, curves $(DEMO_WORK)/curves.png"

# every benchmark, posecore beside MMPose 1.3.2 (anchor venv) -> benchmarks/RESULTS.md
bench: install
	$(PY) benchmarks/run_all.py $(if $(QUICK),--quick)

wheels: install
	$(PIP) wheel --quiet --no-deps --no-build-isolation -w dist . $(PLUGINS)

clean:
	rm -rf build dist work_dirs  # data/ (the synthetic data) is kept
