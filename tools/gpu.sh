#!/usr/bin/env bash
# Every GPU figure of issue 7, on a GPU machine without network: one with python3, torch,
# Triton, CUDA and pytest, but none of this project's other packages.
#
# On a machine with network, once:
#   tools/gpu.sh fetch            downloads the wheels for Python 3.12 into .whl/ (about 55 MB)
# Copy the repository with .whl/ over to the GPU machine; there, in the repository:
#   bash tools/gpu.sh main        the tests of the fast path and the compositor on the GPU, and
#                                 `dreams bench` (networks at 64 to 512 with GPU memory, the
#                                 screen, the live show at 256) as text and JSON
#   bash tools/gpu.sh variants    the networks at 256 again without CUDA graphs, and on the
#                                 plain eager path of our own step: what each part gives
# Each is meant to take under ten minutes. The wheels are installed into /tmp/site, not into
# the system. Each writes its text and JSON into gpu-results/ in the repository (made if
# missing), or into the folder named by $OUT (`OUT=somewhere bash tools/gpu.sh main`).
# The poet and the voice are left out: their model files (93 MB and 58 MB) are not among the
# wheels; measure them where they are installed with `dreams bench --skip networks screen show`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = fetch ]; then
    platforms=()
    for p in manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
        platforms+=(--platform "$p")
    done
    python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp "${platforms[@]}" -d .whl \
        pygame==2.6.1 python-osc==1.10.2 av==16.0.1 sounddevice==0.5.6 \
        scikit-video==1.1.11 fontpkg-eb-garamond==1.3
    du -sh .whl
    exit 0
fi

if [ "${1:-}" != main ] && [ "${1:-}" != variants ]; then
    echo "usage: tools/gpu.sh fetch | main | variants" >&2
    exit 2
fi
OUT="${OUT:-gpu-results}"
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/gpu.txt"

case "${1:-}" in
main)
    python3 -m pytest -q -p no:cacheprovider tests/test_speed.py tests/test_ladder.py tests/test_compositor.py 2>&1 |
        tee "$OUT/gpu-tests.txt" || true
    python3 -m installation.cli bench --skip poet voice --set poet.enabled=false \
        --set voice.enabled=false --seconds 8 --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
    ;;
variants)
    for setting in dream.compile_mode=max-autotune-no-cudagraphs dream.speed=eager; do
        name="${setting//[^a-z-]/_}"
        python3 -m installation.cli bench --resolutions 256 --skip screen poet voice show \
            --set "$setting" --seconds 8 --json "$OUT/bench-$name.json" 2>&1 |
            tee "$OUT/bench-$name.txt"
    done
    ;;
esac
