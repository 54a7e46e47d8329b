"""MediaPipe Pose worker: run by the MediaPipe environment's Python, it reads frames from stdin
and writes BlazePose landmarks [people (0 or 1), 33, 4] (x, y normalised, z, visibility) to
stdout, following `frame_pipe`.

Usage: python mediapipe_pose_worker.py MIN_DETECTION_CONFIDENCE MIN_TRACKING_CONFIDENCE
Uses model_complexity=1, the landmark model shipped inside the mediapipe wheel (the other
complexities download theirs on first use).
"""

import os
import sys

import numpy as np
from frame_pipe import read_frame, write_result


def main():
    min_detection, min_tracking = (float(a) for a in sys.argv[1:3])
    # The protocol owns the real stdout; anything the native libraries print goes to stderr.
    output = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import mediapipe as mp

    pose = mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=1,
        min_detection_confidence=min_detection,
        min_tracking_confidence=min_tracking,
    )
    with pose:
        while True:
            frame = read_frame(sys.stdin.buffer)
            if frame is None:
                break
            found = pose.process(frame).pose_landmarks
            if found is None:
                result = np.zeros((0, 33, 4), np.float32)
            else:
                result = np.array(
                    [[(p.x, p.y, p.z, p.visibility) for p in found.landmark]], np.float32
                )
            write_result(output, result)
    output.close()


if __name__ == "__main__":
    main()
