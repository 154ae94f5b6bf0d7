"""The mind of Dreams: computation and files only (no screen, speakers, sockets or threads)."""

import os

# Read once, when torch is imported: on a Mac an operator that MPS lacks then runs on the CPU
# instead of failing the step. A user's own setting stays.
os.environ.setdefault("PYTORCH_ENABLE_MPS_FALLBACK", "1")
