"""What plugins contribute: the types their ``register`` callbacks accept.

Each kind has its own module; they import neither Textual nor the database layer, so a
plugin module stays cheap to import and testable on its own.
"""

from __future__ import annotations

from immo_connect.contracts._base import Contribution
from immo_connect.contracts.payments import PaymentMethod
from immo_connect.contracts.recognitions import RecognitionSource
from immo_connect.contracts.tools import Tool, WebClient

__all__ = ["Contribution", "PaymentMethod", "RecognitionSource", "Tool", "WebClient"]
