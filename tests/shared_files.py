"""Where the vendored reference files live (official schemas and real PSF records)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parent / "shared"
SCHEMAS = SHARED / "schemas"
EXAMPLES = SHARED / "examples"
