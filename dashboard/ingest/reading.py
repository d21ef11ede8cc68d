"""How each spend file was read, in words: the import report's account of its choices.

The reader records, per file, the column taken for each field and why, whether the amounts are
gross, the day/month order, how rows were dated, and which sheets were read or left out
(``dashboard.ingest.io.spend``). These sentences are what the command line and the page show,
so that an officer can check a choice the reader made without opening the file.
"""
from __future__ import annotations

_SHOWN = ("amount", "date", "supplier", "anchor")


def reading_notes(entry: dict) -> list[str]:
    """Sentences describing how one file of the import report was read.

    >>> reading_notes({"mapping": {"amount": "Total", "date": "Paid Date"},
    ...                "why": {"amount": "amount", "date": "payment date"}, "gross": True,
    ...                "date_order": "day-first", "warnings": []})
    ["columns: amount 'Total' (amount), date 'Paid Date' (payment date)", 'amounts are gross (VAT included): the file has no net amount']
    """
    if entry.get("duplicate_of"):
        return []
    notes = []
    mapping, why = entry.get("mapping") or {}, entry.get("why") or {}
    cols = [f"{f} '{mapping[f]}'" + (f" ({why[f]})" if why.get(f) else "")
            for f in _SHOWN if f in mapping]
    if cols:
        notes.append("columns: " + ", ".join(cols))
    if entry.get("gross"):
        notes.append("amounts are gross (VAT included): the file has no net amount")
    order = entry.get("date_order") or ""
    if order.startswith("month"):
        notes.append(f"dates read {order}")
    dated = entry.get("dated_by") or ""
    if dated.startswith("period column"):
        notes.append(f"rows dated by the {dated} (first day of each month)")
    sheets = [s.get("sheet") for s in entry.get("sheets") or [] if s.get("sheet")]
    if len(sheets) > 1:
        notes.append(f"{len(sheets)} sheets read: " + ", ".join(sheets))
    for s in entry.get("sheets_skipped") or []:
        notes.append(f"sheet '{s['sheet']}' not read: {s['why']}")
    notes += [w for w in entry.get("warnings") or [] if "gross" not in w]
    return notes
