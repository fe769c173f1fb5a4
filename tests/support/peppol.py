"""The official Peppol BIS Billing 3.0 validation, run here: both Schematron files of
``specs/peppol`` (EN 16931 and the Peppol rules) through Saxon-HE (``saxonche``) and SchXslt.

Each ``.sch`` is compiled once into an XSLT (``schxslt/pipeline-for-svrl.xsl``); a document
is valid when neither report (SVRL) holds a ``failed-assert`` flagged ``fatal``.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

SPECS = Path("/work/shared/specs/peppol")
SCHEMATRONS = ("CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.sch")
EXAMPLES = ("base-example.xml", "Vat-category-S.xml", "base-creditnote-correction.xml")
_FAILED = re.compile(r"<svrl:failed-assert\b([^>]*)>(.*?)</svrl:failed-assert>", re.DOTALL)
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_TEXT = re.compile(r"<svrl:text>(.*?)</svrl:text>", re.DOTALL)


@dataclasses.dataclass(frozen=True)
class Failure:
    schematron: str
    rule: str
    flag: str
    text: str


class PeppolValidator:
    """Both Schematron files compiled once; :meth:`fatal` lists what a document breaks."""

    def __init__(self, work_dir: Path) -> None:
        from saxonche import PySaxonProcessor

        self._processor: Any = PySaxonProcessor(license=False)
        xslt = self._processor.new_xslt30_processor()
        pipeline = xslt.compile_stylesheet(stylesheet_file=str(SPECS / "schxslt" / "pipeline-for-svrl.xsl"))
        self._compiled: list[tuple[str, Any]] = []
        for name in SCHEMATRONS:
            target = work_dir / f"{name}.xsl"
            target.write_text(pipeline.transform_to_string(source_file=str(SPECS / name)), encoding="utf-8")
            self._compiled.append((name, xslt.compile_stylesheet(stylesheet_file=str(target))))

    def failures(self, document: bytes) -> list[Failure]:
        node = self._processor.parse_xml(xml_text=document.decode("utf-8"))
        found = []
        for name, executable in self._compiled:
            report = executable.transform_to_string(xdm_node=node)
            for attributes, body in _FAILED.findall(report):
                values = dict(_ATTRIBUTE.findall(attributes))
                text = _TEXT.search(body)
                found.append(Failure(name, values.get("id", "?"), values.get("flag", "fatal"),
                                     (text.group(1) if text else body).strip()[:300]))
        return found

    def fatal(self, document: bytes) -> list[Failure]:
        return [failure for failure in self.failures(document) if failure.flag == "fatal"]
