"""MediaPipe pose worker: run by the MediaPipe environment's Python, it reads frames from stdin
and writes BlazePose landmarks [people (0 to MAX_PEOPLE), 33, 4] (x, y normalised, z,
visibility) to stdout, following `frame_pipe`.

Usage: python mediapipe_pose_worker.py BUNDLE MAX_PEOPLE MIN_DETECTION MIN_TRACKING
The Tasks API's PoseLandmarker in VIDEO mode (people tracked from frame to frame) with the model
bundle BUNDLE, packed on first use from the models inside the wheel (`pose_task_bundle`).
"""

import os
import sys

import numpy as np
from frame_pipe import read_frame, write_result
from pose_task_bundle import ensure_bundle

# Frame timestamps for VIDEO mode (it only needs them increasing): a nominal 30 fps.
_FRAME_MS = 33


def main():
    bundle, max_people = sys.argv[1], int(sys.argv[2])
    min_detection, min_tracking = (float(a) for a in sys.argv[3:5])
    # The protocol owns the real stdout; anything the native libraries print goes to stderr.
    output = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=ensure_bundle(bundle)),
        running_mode=RunningMode.VIDEO,
        num_poses=max_people,
        min_pose_detection_confidence=min_detection,
        min_pose_presence_confidence=min_detection,
        min_tracking_confidence=min_tracking,
    )
    with PoseLandmarker.create_from_options(options) as landmarker:
        index = 0
        while True:
            frame = read_frame(sys.stdin.buffer)
            if frame is None:
                break
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))
            found = landmarker.detect_for_video(image, index * _FRAME_MS).pose_landmarks
            result = np.array(
                [[(p.x, p.y, p.z, p.visibility) for p in person] for person in found], np.float32
            ).reshape(-1, 33, 4)
            write_result(output, result)
            index += 1
    output.close()


if __name__ == "__main__":
    main()
