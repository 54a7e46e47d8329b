"""Detector backends by name. Add one with `register_detector("name", factory)`; the factory
takes keyword options and returns a `PoseDetector`."""

from collections.abc import Callable

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.extract.detector import PoseDetector
from fyp_jax.pose.extract.mediapipe_detector import MediaPipeDetector

_DETECTORS: dict[str, Callable[..., PoseDetector]] = {"mediapipe": MediaPipeDetector}


def register_detector(name: str, factory: Callable[..., PoseDetector]) -> None:
    _DETECTORS[name] = factory


def detector_names() -> list[str]:
    return sorted(_DETECTORS)


def create_detector(name: str, **options) -> PoseDetector:
    if name not in _DETECTORS:
        raise PoseInputError(
            f"unknown pose detector {name!r}; available: {', '.join(detector_names())}"
        )
    return _DETECTORS[name](**options)
