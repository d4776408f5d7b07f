#!/usr/bin/env bash
# The GPU measurements behind benchmarks/RESULTS.md, in the order they matter, on a GPU machine
# that cannot reach a package registry. Wheels for what the machine lacks lie in .whl/ (see
# RESULTS.md). Usage, from the repository root:
#
#   benchmarks/gpu_suite.sh OUT_DIR PART...
#
# PART is one of:
#   recipes    tutorial vs auto vs QLoRA-bf16 on one GPU, each iteration's own loss logged
#   half       tutorial vs auto vs auto with frozen weights in bf16 (micro-batch 4, then 8)
#   half2      tutorial vs auto with frozen weights in bf16 (micro-batch 4 only)
#   ds1        the auto recipe on one GPU with DeepSpeed ZeRO-2 (which casts the model to bf16)
#   auto1      the auto recipe alone on one GPU (the baseline for multi; 80 iterations)
#   multi      the auto recipe on 2 GPUs through torchrun, then with DeepSpeed ZeRO-2
#   multi-half the auto recipe with frozen weights in bf16 on 2 GPUs through torchrun (DDP)
#   samples    what the sample answers cost in runs saved as the config page saves them
#   samples-tutorial   the same for the tutorial's recipe (cut to 120 iterations)
#   fullpath-zero2     QLoRA trained on 2 GPUs with DeepSpeed ZeRO-2, its folder checkpoint
#                      converted and merged, the merged model asked on the GPU
#   fullpath-ds1       the same on one GPU
#   internlm2          InternLM2 with its remote code (1.8B shape): the tutorial's config as shipped
#                      (eager attention) vs the app's recipes with SDPA, and micro-batch 4 with eager
#   internlm2-mb1      the same at micro-batch 1, eager and SDPA (memory calibration)
#   internlm2-fullpath the tutorial's QLoRA on InternLM2 through train, convert, merge and chat
# Every part has its own time limit; a part that runs over is stopped and its trainings killed,
# so the parts after it still run.
set -u -o pipefail
out=${1:?OUT_DIR}
shift
mkdir -p "$out"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1
{
    nvidia-smi --query-gpu=name,memory.total,driver_version,power.limit --format=csv
    lscpu | grep -E "Model name|^CPU\(s\)"
    python3 -c "import torch, transformers, peft, xtuner, mmengine; print('torch', torch.__version__, \
'transformers', transformers.__version__, 'peft', peft.__version__, 'xtuner', xtuner.__version__, \
'mmengine', mmengine.__version__)"
    python3 -c "import deepspeed; print('deepspeed', deepspeed.__version__)" 2>&1 | tail -1
} | tee "$out/versions.txt"

cleanup() {  # trainings started by a part that ran over its limit
    pkill -f 'xtuner/tools/train.py' ; pkill -f 'torch.distributed.run' ; pkill -f 'xtuner_launcher'
    sleep 3
}

part() {  # part NAME LIMIT_S ARGS...
    local name=$1 limit=$2
    shift 2
    echo "=== $name ($(date +%T))"
    mkdir -p /tmp/gpu_suite_logs
    timeout "$limit" python3 benchmarks/gpu_bench.py "$@" > "/tmp/gpu_suite_logs/$name.log" 2>&1
    local rc=$?
    grep -v -E 'Iter\(train\)|Sample output|^\s*$' "/tmp/gpu_suite_logs/$name.log" | tail -n 25
    [ "$rc" -eq 0 ] || { echo "=== $name ended with $rc"; cp "/tmp/gpu_suite_logs/$name.log" "$out/"; cleanup; }
}

for p in "$@"; do
    case $p in
        recipes) (export CUDA_VISIBLE_DEVICES=0; part recipes 300 train --out "$out" --skip-hand \
            --recipes tutorial,auto,qlora_fast --iters-tutorial 160) ;;
        half) (export CUDA_VISIBLE_DEVICES=0; part half 420 train --out "$out" --skip-hand \
            --recipes tutorial,auto,auto_half,auto_half_mb8 --iters-tutorial 160) ;;
        half2) (export CUDA_VISIBLE_DEVICES=0; part half2 300 train --out "$out" --skip-hand \
            --recipes tutorial,auto_half --iters-tutorial 160) ;;
        ds1) (export CUDA_VISIBLE_DEVICES=0; part ds1 150 train --out "$out" --skip-hand \
            --recipes auto --iters-tutorial 160 --deepspeed deepspeed_zero2) ;;
        auto1) (export CUDA_VISIBLE_DEVICES=0; part auto1 150 train --out "$out" --skip-hand \
            --recipes auto --iters-tutorial 320) ;;
        multi)
            part multi2 120 train --out "$out" --gpus 2 --skip-hand --recipes auto --iters-tutorial 320
            part zero2 150 train --out "$out" --gpus 2 --skip-hand --recipes auto --iters-tutorial 320 \
                --deepspeed deepspeed_zero2 ;;
        multi-half) part multi_half 150 train --out "$out" --gpus 2 --skip-hand --recipes auto_half \
            --iters-tutorial 320 ;;
        samples) (export CUDA_VISIBLE_DEVICES=0; part samples 200 samples --out "$out" --recipes auto \
            --workspace /tmp/bench_ws) ;;
        samples-tutorial) (export CUDA_VISIBLE_DEVICES=0; part samples_tutorial 220 samples --out "$out/tutorial" \
            --recipes tutorial --tutorial-iters 120 --workspace /tmp/bench_ws) ;;
        fullpath-zero2) part fullpath_zero2 400 fullpath --out "$out/zero2" --gpus 2 \
            --deepspeed deepspeed_zero2 ;;
        fullpath-ds1) (export CUDA_VISIBLE_DEVICES=0; part fullpath_ds1 330 fullpath --out "$out/ds1" --gpus 1 \
            --deepspeed deepspeed_zero2) ;;
        internlm2) (export CUDA_VISIBLE_DEVICES=0; part internlm2 560 train --out "$out" --skip-hand --arch internlm2 \
            --recipes tutorial_shipped,auto_half_mb8,auto_half,auto_half_eager,tutorial --iters-tutorial 160) ;;
        internlm2-mb1) (export CUDA_VISIBLE_DEVICES=0; part internlm2_mb1 270 train --out "$out/mb1" --skip-hand \
            --arch internlm2 --recipes tutorial,auto_half_mb1,auto_half_mb1_eager --iters-tutorial 96) ;;
        internlm2-fullpath) (export CUDA_VISIBLE_DEVICES=0; part internlm2_fullpath 290 fullpath --out "$out/full" \
            --arch internlm2 --workspace /tmp/bench_ws) ;;
        *) echo "unknown part $p" ;;
    esac
done
echo "=== done ($(date +%T))"
