"""The Gradio UI (``insightchat ui``): see ui/app.py.

Gradio's usage analytics would phone home; this product runs offline, so they are off unless the
person running it turned them on explicitly.
"""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
