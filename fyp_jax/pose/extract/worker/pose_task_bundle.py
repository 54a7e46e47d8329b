"""A MediaPipe Tasks `PoseLandmarker` model bundle (.task) packed from the two BlazePose models
the mediapipe wheel ships for the legacy `solutions.pose` (no download): the person detector
`modules/pose_detection/pose_detection.tflite` and the landmark model
`modules/pose_landmark/pose_landmark_full.tflite` (model_complexity 1).

The Tasks API reads each model's input normalisation from TFLite metadata, which the wheel's
copies lack, so it is written here with the wheel's own metadata writer: the detector takes RGB
in [-1, 1], the landmark model RGB in [0, 1] (as the legacy graphs feed them).

Runs inside the MediaPipe environment; kept free of fyp_jax imports and of syntax newer than
Python 3.9.
"""

import os
import tempfile

# bundle member name -> (wheel model under mediapipe/modules, input mean, input std)
_MODELS = {
    "pose_detector.tflite": ("pose_detection/pose_detection.tflite", 127.5, 127.5),
    "pose_landmarks_detector.tflite": ("pose_landmark/pose_landmark_full.tflite", 0.0, 255.0),
}


def ensure_bundle(path):
    """Pack the bundle at `path` unless it is there (written through a temporary name)."""
    if os.path.exists(path):
        return path
    from mediapipe.tasks.python.metadata.metadata_writers import (
        metadata_writer,
        model_asset_bundle_utils,
        writer_utils,
    )

    modules = os.path.join(os.path.dirname(_mediapipe_file()), "modules")
    members = {}
    for name, (model, mean, std) in _MODELS.items():
        with open(os.path.join(modules, model), "rb") as f:
            buffer = bytearray(f.read())
        writer = metadata_writer.MetadataWriter.create(buffer).add_general_info(name)
        writer.add_image_input([mean], [std])
        for _ in writer_utils.get_output_tensor_types(buffer):
            writer.add_feature_output()
        members[name] = writer.populate()[0]
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".task", dir=folder, prefix=".partial-")
    os.close(handle)
    try:
        model_asset_bundle_utils.create_model_asset_bundle(members, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _mediapipe_file():
    import mediapipe

    return mediapipe.__file__
