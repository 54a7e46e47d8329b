"""Write the PoseWorld model card from what the recipe's runs recorded.

    python scripts/model_card.py runs/poseworld assets/poseworld

Reads each stage's TensorBoard scalars (``RUNS/<stage>/tensorboard``: steps, loss at the start and
at the end, wall time between the first and the last record), its training config (the
``configs/poseworld`` files; the ``*_continue`` parts of stage 0 when ``RUNS/grown`` exists, i.e.
the recipe continued from an earlier bundle), the bundle's ``bundle.json`` (parameter counts, file
sizes) and the evaluation reports (``RUNS/eval/report.json``, ``RUNS/eval_real/report.json``),
and writes ``OUT/MODEL_CARD.md``.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# (run folder, title, config module, part)
STAGES = (("s0a", "stage 0a: AutoencoderKL", "stage0", "vae"),
          ("s0b", "stage 0b: 2-D UNet + text encoder", "stage0", "unet"),
          ("s1", "stage 1: pose encoder", "stage1", None),
          ("s2", "stage 2: temporal layers", "stage2", None))
CONTINUED = {"vae": "vae_continue", "unet": "unet_continue"}
VARIANT_TITLES = {"no_pose": "(a) stage 2 without pose features (Tune-A-Video-like)",
                  "frame_by_frame": "(b) stage 1 frame by frame, no temporal layers "
                                    "(T2I-Adapter-like)",
                  "full": "(c) full model"}


def read_scalars(logdir: Path) -> dict[str, list[tuple[int, float, float]]]:
    """``{tag: [(step, value, wall_time), ...]}`` from every event file of ``logdir``."""
    from tensorboardX.proto import event_pb2

    out: dict[str, list[tuple[int, float, float]]] = {}
    for path in sorted(logdir.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        pos = 0
        while pos + 12 <= len(data):  # TFRecord: u64 length, u32 crc, payload, u32 crc
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            event = event_pb2.Event.FromString(data[pos + 12:pos + 12 + length])
            pos += 16 + length
            for v in event.summary.value:
                out.setdefault(v.tag, []).append((event.step, v.simple_value, event.wall_time))
    return {tag: sorted(rows) for tag, rows in out.items()}


def stage_row(scalars: dict[str, list[tuple[int, float, float]]], title: str, module: str,
              part: str | None) -> str:
    import importlib

    config = importlib.import_module(f"configs.poseworld.{module}")
    c = config.get_config(part) if part else config.get_config()
    loss = scalars.get("train/loss", [])
    if not loss:
        return f"| {title} | {c.num_steps} | {c.batch_size} | {c.optim.lr:g} | no log | | |"
    head = np.mean([v for _, v, _ in loss[:4]])
    tail = np.mean([v for _, v, _ in loss[-8:]])
    minutes = (loss[-1][2] - loss[0][2]) / 60
    extra = []
    if "train/recon" in scalars:
        extra.append(f"recon MSE {np.mean([v for _, v, _ in scalars['train/recon'][-8:]]):.4f}")
    if c.diffusion.snr_gamma:
        extra.append(f"Min-SNR-{c.diffusion.snr_gamma:g} weighted")
    note = f" ({', '.join(extra)})" if extra else ""
    return (f"| {title} | {loss[-1][0]} | {c.batch_size} | {c.optim.lr:g} | "
            f"{head:.4f} -> {tail:.4f}{note} | {minutes:.1f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--lineage", default="an earlier PoseWorld model",
                   help="what the recipe continued from (FROM), for the card's first lines")
    args = p.parse_args()
    meta = json.loads((args.out / "bundle.json").read_text())
    report_path = args.runs / "eval" / "report.json"
    reports = sorted(json.loads(report_path.read_text()),
                     key=lambda r: list(VARIANT_TITLES).index(r["variant"]))
    logs = {folder: read_scalars(args.runs / folder / "tensorboard") for folder, *_ in STAGES}
    continued = (args.runs / "grown").exists()
    stages = [(folder, title, module, CONTINUED.get(part, part) if continued else part)
              for folder, title, module, part in STAGES]
    real_path = args.runs / "eval_real" / "report.json"
    real = json.loads(real_path.read_text()) if real_path.exists() else None
    first = logs[STAGES[0][0]]["train/loss"][0][2]
    total_minutes = (report_path.stat().st_mtime - first) / 60
    from safetensors.numpy import load_file

    files = sorted(args.out.glob("*.safetensors"))
    params = {f.stem: sum(a.size for a in load_file(f).values()) for f in files}
    sizes = {f.stem: f.stat().st_size for f in files}
    lines = [
        "# PoseWorld FollowYourPose (fyp_jax)",
        "",
        "A small FollowYourPose trained on PoseWorld (README, \"PoseWorld\") with fyp_jax's own "
        "trainers, on a 2-core CPU. It is `infer.py`'s default model. "
        + (f"It continues {args.lineage}: its text encoder grown to today's vocabulary, then "
           "every stage fine-tuned on today's PoseWorld. Reproduce it with `FROM=<that bundle> "
           "bash scripts/train_poseworld.sh`"
           if continued else "Reproduce it with `bash scripts/train_poseworld.sh`")
        + " (every stage resumes if interrupted).",
        "",
        "## Data",
        "PoseWorld `train` split: 1-3 procedurally drawn humanoid figures per scene, each with its "
        "own colour (8), style (filled, outlined, striped) and motion (7 primitives or a real "
        "dancer's keypoints), on 8 backgrounds, 64x64, COCO-17 skeletons in the OpenPose style "
        "drawn at the line widths of real skeleton videos; captions such as \"a red striped "
        "figure and a blue figure dancing on a grass background\". Held out of training: 14 "
        "colour/background/motion triples (split `eval`), 8 colour/style pairs (`eval_style`), "
        "10 left-to-right colour groups (`eval_multi`). Vocabulary: "
        f"{len(meta.get('vocabulary', []))} words; other words get a warning in `infer.py`.",
        "",
        "## Model",
        "| component | parameters | file (float16) |",
        "|---|---|---|",
        *(f"| {name} | {params[name]:,} | {sizes[name] / 2**20:.2f} MiB |"
          for name in params),
        "",
        "Configs: `configs/poseworld/model.py` (and `bundle.json` here). The VAE downsamples 4x "
        "(16x16x4 latents, scaling factor "
        f"{meta['components']['vae'].get('scaling_factor', 1.0):.4f} calibrated to unit latent "
        "variance); the pose encoder unshuffles by 4.",
        "",
        "## Training",
        "| stage | steps | batch | lr | loss (first -> last logged) | minutes |",
        "|---|---|---|---|---|---|",
        *(stage_row(logs[folder], *rest) for folder, *rest in stages),
        "",
        "AdamW, cosine or constant schedule with warm-up, gradient clipping at 1.0; stage 0b "
        "keeps an EMA (0.999, warmed up) and drops 10 % of the captions for classifier-free "
        "guidance. Minutes are the wall time between the first and the last logged step "
        f"(compilation excluded). The whole recipe, from the first step of stage 0a to the "
        f"evaluation report, took {total_minutes:.0f} minutes.",
        "",
        "## Evaluation",
        f"PoseWorld `eval` split, {reports[0]['num_examples']} clips x {reports[0]['frames']} "
        f"frames at {reports[0]['size']}x{reports[0]['size']}, `python evaluate.py --variants "
        "full,no_pose,frame_by_frame` (README \"Evaluation\"):",
        "",
        "| variant | pose IoU | text alignment | frame consistency |",
        "|---|---|---|---|",
        *(f"| {VARIANT_TITLES.get(r['variant'], r['variant'])} | "
          + " | ".join(_with_interval(r, m) for m in
                       ("pose_iou", "text_alignment", "frame_consistency")) + " |"
          for r in reports),
        "",
        f"Means over clips with 95 % bootstrap intervals. Sampling: {_sampling(reports[0])}.",
        "",
    ]
    if real is not None:
        lines += [
            "On the real skeleton videos of the original project (`evaluate.py --task real`: each "
            "video x 8 captions, one per colour; share of frames showing the caption's "
            "background, its colour, both):",
            "",
            "| video | background | colour | both |",
            "|---|---|---|---|",
            *(f"| {name} | " + " | ".join(f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in
                                        row.values()) + " |"
              for name, row in [*real["per_video"].items(), ("all", real["overall"])]),
            "",
        ]
    (args.out / "MODEL_CARD.md").write_text("\n".join(lines))
    print(f"wrote {args.out / 'MODEL_CARD.md'}")


def _with_interval(report: dict, metric: str) -> str:
    low, high = report.get("intervals", {}).get(metric, (None, None))
    value = f"{report[metric]:.3f}"
    return value if low is None else f"{value} [{low:.3f}, {high:.3f}]"


def _sampling(report: dict) -> str:
    keys = ("steps", "guidance", "seed")
    return ", ".join(f"{k} {report[k]}" for k in keys if k in report) or "see evaluate.py"


if __name__ == "__main__":
    main()
