#!/usr/bin/env bash
# Reproduce the PoseWorld model from scratch on a CPU (README "PoseWorld model"):
# stage 0a VAE, stage 0b UNet + text encoder, stage 1 pose encoder, stage 2 temporal layers,
# then the bundle in assets/poseworld (float16), the evaluation table, the model card
# (assets/poseworld/MODEL_CARD.md) and the README's sample (docs/poseworld_sample.gif).
# Every stage resumes from its last checkpoint when the script is run again.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-runs/poseworld}
mkdir -p "$RUNS"
python train_stage1.py --config=configs/poseworld/stage0.py:vae --config.workdir="$RUNS/s0a"
python scripts/calibrate_vae_scale.py "$RUNS/s0a/bundle" "$RUNS/s0a/bundle_calibrated"
python train_stage1.py --config=configs/poseworld/stage0.py:unet \
    --config.init.model="$RUNS/s0a/bundle_calibrated" --config.workdir="$RUNS/s0b"
python train_stage1.py --config=configs/poseworld/stage1.py \
    --config.init.model="$RUNS/s0b/bundle" --config.workdir="$RUNS/s1"
python train_stage2.py --config=configs/poseworld/stage2.py \
    --config.init.model="$RUNS/s1/bundle" --config.workdir="$RUNS/s2"
python scripts/export_bundle.py "$RUNS/s2/bundle" assets/poseworld --dtype float16 \
    --poseworld_vocabulary
python evaluate.py --model assets/poseworld --variants full,no_pose,frame_by_frame --steps 15 \
    --out "$RUNS/eval"
python scripts/model_card.py "$RUNS" assets/poseworld
python infer.py --model assets/poseworld --out "$RUNS/sample"
cp "$RUNS/sample/grid.gif" docs/poseworld_sample.gif
