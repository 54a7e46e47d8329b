"""The web demo behind app.py: the generation service (no web dependency) and its gradio page.

Importing this package turns gradio's analytics and version check off (they are read from the
environment when gradio is imported, so this must happen first) and keeps huggingface_hub offline.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
