"""Run many command lines quickly, each as if in its own fresh process: the heavy imports are done
once here, then every case runs in a forked child (its own flags, working folder, stdout/stderr
captured to a file, exit status). The parent starts no thread, so forking is safe.

    python tests/bad_input_runner.py CASES.json RESULTS.json

CASES.json: [{"id", "argv": ["infer.py" | "-m", "fyp_jax.pose", ...], "cwd", "setup"?}];
RESULTS.json: {id: {"code": int, "output": str}}.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path[:0] = [str(PROJECT), str(HERE)]


class NobodyDetector:
    """A pose detector that sees nobody (a video without a person)."""

    def detect(self, frames):
        import numpy as np

        for _ in frames:
            yield np.zeros((0, 17, 3), np.float32)


def _nobody_detector() -> None:
    from fyp_jax.pose.extract import registry

    registry._DETECTORS["mediapipe"] = NobodyDetector


SETUPS = {"nobody_detector": _nobody_detector}


def _child(case: dict, log: Path) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    code = 0
    try:
        os.chdir(case["cwd"])
        if case.get("setup"):
            SETUPS[case["setup"]]()
        argv = case["argv"]
        if argv[0] == "-m":
            sys.argv = [argv[1], *argv[2:]]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            script = str(PROJECT / argv[0])
            sys.argv = [script, *argv[1:]]
            runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported as the traceback the user would see
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(cases_path: str, results_path: str) -> None:
    import absl.app  # noqa: F401 - the imports every case needs, done once
    import flax  # noqa: F401
    import imageio.v3  # noqa: F401
    import jax  # noqa: F401
    import ml_collections.config_flags  # noqa: F401
    import transformers  # noqa: F401

    import fyp_jax.bundle  # noqa: F401
    import fyp_jax.cli_flags  # noqa: F401
    import fyp_jax.pose  # noqa: F401

    cases = json.loads(Path(cases_path).read_text())
    results = {}
    for case in cases:
        log = Path(results_path).with_name(f"{case['id']}.log")
        pid = os.fork()
        if pid == 0:
            _child(case, log)
        _, status = os.waitpid(pid, 0)
        results[case["id"]] = {"code": os.waitstatus_to_exitcode(status),
                               "output": log.read_text(errors="replace")}
    Path(results_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
