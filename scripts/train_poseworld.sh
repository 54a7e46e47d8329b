#!/usr/bin/env bash
# Reproduce the PoseWorld model on a CPU (README "PoseWorld model"), then the bundle in
# assets/poseworld (float16), the evaluation tables, the model card
# (assets/poseworld/MODEL_CARD.md) and the README's sample (docs/poseworld_sample.gif).
#
#   bash scripts/train_poseworld.sh                      # from scratch: stages 0a, 0b, 1, 2
#   FROM=old_bundle bash scripts/train_poseworld.sh      # continue from a trained PoseWorld
#       bundle: its text encoder grown to today's vocabulary (scripts/grow_vocabulary.py),
#       the VAE and the UNet + text encoder fine-tuned on today's PoseWorld, then stages 1, 2
#
# The shipped model (v3) continues v2, which continued v1 (trained from scratch): git worktree
# add /tmp/fyp_v2 76fa7e7, then FROM=/tmp/fyp_v2/assets/poseworld (v1: commit 60528b3).
# LINEAGE="..." is what the model card says the recipe continued from.
# Every stage resumes from its last checkpoint when the script is run again.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-runs/poseworld}
mkdir -p "$RUNS"
if [ -n "${FROM:-}" ]; then
    [ -e "$RUNS/grown" ] || python scripts/grow_vocabulary.py "$FROM" "$RUNS/grown"
    python train_stage1.py --config=configs/poseworld/stage0.py:vae_continue \
        --config.init.model="$RUNS/grown" --config.workdir="$RUNS/s0a"
    python train_stage1.py --config=configs/poseworld/stage0.py:unet_continue \
        --config.init.model="$RUNS/s0a/bundle" --config.workdir="$RUNS/s0b"
else
    python train_stage1.py --config=configs/poseworld/stage0.py:vae --config.workdir="$RUNS/s0a"
    python scripts/calibrate_vae_scale.py "$RUNS/s0a/bundle" "$RUNS/s0a/bundle_calibrated"
    python train_stage1.py --config=configs/poseworld/stage0.py:unet \
        --config.init.model="$RUNS/s0a/bundle_calibrated" --config.workdir="$RUNS/s0b"
fi
python train_stage1.py --config=configs/poseworld/stage1.py \
    --config.init.model="$RUNS/s0b/bundle" --config.workdir="$RUNS/s1"
python train_stage2.py --config=configs/poseworld/stage2.py \
    --config.init.model="$RUNS/s1/bundle" --config.workdir="$RUNS/s2"
python scripts/export_bundle.py "$RUNS/s2/bundle" assets/poseworld --dtype float16 \
    --poseworld_vocabulary
python evaluate.py --model assets/poseworld --variants full,no_pose,frame_by_frame --num 56 \
    --out "$RUNS/eval"
python evaluate.py --model assets/poseworld --task real --out "$RUNS/eval_real"
python scripts/model_card.py "$RUNS" assets/poseworld ${LINEAGE:+--lineage "$LINEAGE"}
python infer.py --model assets/poseworld --out "$RUNS/sample"
cp "$RUNS/sample/grid.gif" docs/poseworld_sample.gif
