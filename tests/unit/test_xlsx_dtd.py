"""An XLSX whose sheet XML carries a DTD with entities (issue 15): the mapping step (the preview)
says the file cannot be read, instead of a 500 with no message; defusedxml is installed so that
openpyxl refuses entities rather than expanding them."""
from __future__ import annotations

import io
import zipfile

import openpyxl

from dashboard.ingest.uploads import preview_spend

DTD = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
       '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')


def with_dtd(after_root: bool = False) -> bytes:
    """A workbook whose sheet XML has a DTD with entities: before the root element (refused when
    the workbook is opened) or after it (refused only while its rows are read: the 500)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Body Name", "Paid Date", "Supplier Name", "Amount"])
    ws.append(["Council", "01/04/2023", "&b;", 10.0])
    buf = io.BytesIO()
    wb.save(buf)
    zin, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<t>&amp;b;</t>", b"<t>&b;</t>")
                data = data + DTD.encode() if after_root else DTD.encode() + data
            zout.writestr(item, data)
    return out.getvalue()


def test_defusedxml_guards_openpyxl():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_an_xlsx_with_a_dtd_gets_a_clear_message_from_the_mapping_step(tmp_path):
    before, after = tmp_path / "before.xlsx", tmp_path / "after.xlsx"
    before.write_bytes(with_dtd())
    after.write_bytes(with_dtd(after_root=True))
    assert "export the data as CSV or XLSX" in preview_spend(before).error
    p = preview_spend(after)      # raised a ParseError (a 500 in the page) before
    assert p.error and "could not be read as an Excel workbook" in p.error
    assert "DTD" in p.error and str(tmp_path) not in p.error
