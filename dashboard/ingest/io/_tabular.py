"""Open a user's table file -- CSV or XLSX, plain or gzip, path or uploaded bytes -- safely.

Shared by the spend and supplier-register readers. It owns everything about the *file*: size limits
(streamed gzip decompression with a cap, so a gzip bomb stops at the limit), telling text from
binary, the encoding (UTF-8 with or without BOM, UTF-16 with BOM, cp1252, latin-1), line endings,
the delimiter, finding the header row below any title rows, and physical line numbers. What the
columns *mean* is the caller's business: it passes a ``find_header`` predicate.

CSV files are split by pyarrow's multi-threaded parser when every record is one physical line and
has the header's number of cells (the common case: a million rows in well under a second); any
other file (quoted line breaks, ragged rows, blank lines) goes through Python's ``csv`` module,
slower but exact about line numbers and about rows it cannot split.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice, zip_longest
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.errors import InputError

#: How many rows from the top of a file or sheet may hold the header (title rows above it).
HEADER_SCAN_ROWS = 20
#: An XLSX whose XML parts would unpack to more than this many times the size limit is refused.
XLSX_EXPANSION = 10
_CHUNK = 1 << 20
_DELIMITERS = (",", "\t", ";", "|")
#: A well-formed two-byte UTF-8 character ("£" is C2 A3): evidence that a file is UTF-8.
_UTF8_PAIR = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")

FindHeader = Callable[[list[list[str]]], "int | None"]
OnMissing = Callable[[str, list[list[str]]], Exception]


@dataclass
class Table:
    """The data rows of one file below its header, one pandas Series per header column.

    Columns are "str" Series for CSV and object Series of cell values (numbers, datetimes, text,
    None) for XLSX. ``lines`` is each row's 1-based physical line (CSV) or sheet row (XLSX).
    ``unsplit`` holds rows the reader could not split into the header's columns, as
    (line, reason, raw text), so that the caller can report them as rejected.
    """

    name: str
    header: list[str]
    header_line: int
    columns: list[pd.Series]
    lines: np.ndarray
    encoding: str
    sheet: str | None = None
    blank_rows: int = 0
    unsplit: list[tuple[int, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)

    def raw(self, positions: np.ndarray) -> list[str]:
        """The cells of the rows at ``positions`` joined with commas, as the user would see them."""
        cells = [[cell_text(v) for v in col.iloc[positions].tolist()] for col in self.columns]
        return [",".join(row) for row in zip(*cells)] if cells else [""] * len(positions)


# --- bytes ---------------------------------------------------------------------------------------

def load(source: object, max_bytes: int) -> tuple[str, bytes]:
    """A source's display name and its content, decompressed when gzip, within ``max_bytes``."""
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[1], (bytes, bytearray)):
        name, content = os.path.basename(str(source[0])) or "upload", bytes(source[1])
        return name, _decompressed(io.BytesIO(content), name, len(content), max_bytes)
    path = Path(source)  # type: ignore[arg-type]
    if not path.exists():
        raise InputError(f"{path}: file not found: check the path.")
    if not path.is_file():
        raise InputError(f"{path}: is not a file: give a CSV or XLSX file.")
    with path.open("rb") as fh:
        return path.name, _decompressed(fh, path.name, path.stat().st_size, max_bytes)


def _decompressed(fh: io.BufferedIOBase, name: str, size: int, max_bytes: int) -> bytes:
    """Read a file object whole; gzip is streamed through a cap so a bomb stops at the limit."""
    magic = fh.read(2)
    fh.seek(0)
    if magic != b"\x1f\x8b":
        if size > max_bytes:
            raise _too_big(name, max_bytes)
        return fh.read()
    out, total = [], 0
    try:
        with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
            while chunk := gz.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(name, max_bytes, unpacked=True)
                out.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{name}: is a damaged gzip file ({exc}): download it again.") from None
    return b"".join(out)


def _too_big(name: str, max_bytes: int, unpacked: bool = False) -> InputError:
    what = "unpacks to more than" if unpacked else "is bigger than"
    return InputError(f"{name}: {what} the {max_bytes / 2**20:,.0f} MB limit for one file: split "
                      "it by period, or raise the limit (max_bytes) if the machine has the memory.")


# --- dispatch ------------------------------------------------------------------------------------

def read_table(name: str, data: bytes, find_header: FindHeader, on_missing: OnMissing,
               max_bytes: int) -> Table:
    """The file's first table: a CSV's rows, or a workbook's first sheet with a header."""
    return read_tables(name, data, find_header, on_missing, max_bytes)[0][0]


def read_tables(name: str, data: bytes, find_header: FindHeader, on_missing: OnMissing,
                max_bytes: int) -> tuple[list[Table], list[tuple[str, str]]]:
    """Every table of a file and the sheets left out, as (sheet, why).

    A CSV is one table. A workbook (.xlsx, .xls, .xlsb, .ods) gives one table per sheet with a
    header; a sheet whose header row has lost the names of some columns (a monthly sheet pasted
    below an emptied header) is read with the header row found on the previous sheet's pattern.
    Hidden sheets and sheets with no header are left out and listed.
    """
    if not data.strip():
        raise InputError(f"{name}: the file is empty: choose the file with the data.")
    kind = workbook_kind(data)
    if kind == "xlsx":
        _check_zip(name, data, max_bytes)       # a zip bomb stops here, before any unpacking
    if kind == "xlsx" and (not _zip_ok(data) or _unsaved_formulas(data)):
        return read_xlsx_sheets(name, data, find_header, on_missing, max_bytes)
    if kind is not None:
        return _read_calamine(name, data, find_header, on_missing, max_bytes)
    text, encoding = utf8(name, data)
    return [_read_csv(name, text, encoding, find_header, on_missing)], []


def workbook_kind(data: bytes) -> str | None:
    """"xlsx", "xls", "xlsb" or "ods" for a spreadsheet workbook; None for anything else."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype"):
                return "ods"
    except zipfile.BadZipFile:
        return "xlsx"  # read_xlsx says what is wrong with it
    return "xlsx"


def _zip_ok(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return True
    except zipfile.BadZipFile:
        return False


def _not_table(name: str) -> InputError:
    return InputError(f"{name}: is not a CSV or spreadsheet file (CSV, XLSX, XLS, XLSB or ODS): "
                      "export the data as CSV or XLSX.")


# --- text ----------------------------------------------------------------------------------------

def utf8(name: str, data: bytes) -> tuple[bytes, str]:
    """The content as UTF-8 bytes without BOM, plus the encoding it was read in.

    Tries UTF-8 (BOM or not), UTF-16 with a BOM, then cp1252 (Windows exports with "£"), then
    latin-1, which accepts any byte. Content with NUL bytes or many control characters is binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(name, data.decode("utf-16")).encode("utf-8"), "utf-16"
        except UnicodeDecodeError:
            raise _not_table(name) from None
    if b"\x00" in data:
        raise _not_table(name)
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    if _is_utf8(body):
        _checked(name, body[:65536].decode("utf-8", errors="ignore"))
        return body, "utf-8-sig" if bom else "utf-8"
    mixed = _mostly_utf8(name, body)
    if mixed is not None:
        return mixed
    try:
        text = _checked(name, body.decode("cp1252"))
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{name}: line {line} has bytes that are neither UTF-8 nor Windows-1252, "
                         "so the file's encoding cannot be decided: save it again as CSV UTF-8 "
                         "(in Excel: Save As, CSV UTF-8).") from None
    return text.encode("utf-8"), "cp1252"


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 read as Windows-1252 (the line's good UTF-8,
    its "£" included, stays UTF-8)."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start:exc.end].decode("cp1252"), exc.end


_CP1252_BYTES = "anchor-cp1252-bytes"
codecs.register_error(_CP1252_BYTES, _cp1252_bytes)


def _mostly_utf8(name: str, body: bytes, limit: int = 100) -> tuple[bytes, str] | None:
    """A UTF-8 file with a few bad lines (a stray Windows byte pasted in): the good lines read as
    UTF-8 and only the bad ones as Windows-1252, so every "£" of the good lines stays right.
    None when the file shows no UTF-8 (a Windows file) or has more than `limit` bad lines."""
    spans, pos = [], 0
    while True:
        try:
            body[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            at = pos + exc.start
            begin = body.rfind(b"\n", 0, at) + 1
            end = body.find(b"\n", at)
            end = len(body) if end < 0 else end
            spans.append((begin, end))
            pos = end + 1
            if len(spans) > limit or pos >= len(body):
                break
    if (not spans or len(spans) > limit or not _UTF8_PAIR.search(body)
            or sum(e - b for b, e in spans) * 2 > len(body)):
        return None
    parts, last = [], 0
    for begin, end in spans:
        parts.append(body[last:begin])
        try:
            parts.append(body[begin:end].decode("utf-8", errors=_CP1252_BYTES).encode("utf-8"))
        except UnicodeDecodeError:
            line = body.count(b"\n", 0, begin) + 1
            raise InputError(f"{name}: line {line} is neither UTF-8 nor Windows-1252, so the "
                             "file's encoding cannot be decided: save it again as CSV UTF-8.") \
                from None
        last = end
    parts.append(body[last:])
    lines = [body.count(b"\n", 0, b) + 1 for b, _ in spans[:5]]
    shown = ", ".join(map(str, lines)) + (" ..." if len(spans) > 5 else "")
    text = b"".join(parts)
    _checked(name, text[:65536].decode("utf-8", errors="ignore"))
    return text, f"utf-8 (line {shown} read as Windows-1252)"


def _is_utf8(data: bytes) -> bool:
    """Whether bytes are valid UTF-8, checked in chunks so no big str is built."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 8 * _CHUNK):
            decoder.decode(data[start:start + 8 * _CHUNK], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _checked(name: str, text: str) -> str:
    """The text, unless its start has the control characters of a binary file."""
    head = text[:65536]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1a")
    controls += sum(1 for ch in head if 0x7F <= ord(ch) < 0xA0)
    if head and controls > max(2, len(head) // 200):
        raise _not_table(name)
    return text


def _lines_normalised(data: bytes) -> bytes:
    """Content whose every line ends in LF or CRLF, so that one LF byte is one physical line.

    LF and CRLF files are returned as they are (no copy: both parsers read CRLF); only files
    with lone CR line ends (old Mac exports) are rewritten.
    """
    crs = data.count(b"\r")
    if not crs or crs == data.count(b"\r\n"):
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _prefix(data: bytes, lines: int = 200, limit: int = 4 * _CHUNK) -> str:
    """The first ``lines`` lines (at most ``limit`` bytes) as text, for finding the header."""
    pos = 0
    for _ in range(lines):
        nxt = data.find(b"\n", pos, limit)
        if nxt < 0:
            break
        pos = nxt + 1
    else:
        return data[:pos].decode("utf-8", errors="replace")
    cut = len(data) if len(data) <= limit else (pos or limit)
    return data[:cut].decode("utf-8", errors="replace")


def _records(text: str, delimiter: str, count: int) -> list[tuple[list[str], int, int]]:
    """The first ``count`` records as (cells, first line, last line)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out, last = [], 0
    try:
        for cells in reader:
            out.append(([c.strip() for c in cells], last + 1, reader.line_num))
            last = reader.line_num
            if len(out) >= count:
                break
    except csv.Error:
        pass
    return out


def _offset_after(data: bytes, lines: int) -> int:
    """Byte offset just after the first ``lines`` newlines."""
    pos = 0
    for _ in range(lines):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return len(data)
        pos = nxt + 1
    return pos


def _read_csv(name: str, data: bytes, encoding: str, find_header: FindHeader,
              on_missing: OnMissing) -> Table:
    """Delimited text -> Table: header found by the caller's predicate, any common delimiter."""
    data = _lines_normalised(data)
    prefix = _prefix(data)
    first = None
    for delimiter in _DELIMITERS:
        records = _records(prefix, delimiter, HEADER_SCAN_ROWS)
        first = first if first is not None else records
        idx = find_header([r[0] for r in records])
        if idx is not None:
            break
    else:
        raise on_missing(name, [r[0] for r in first or []])
    header, header_start, header_end = records[idx]
    start = _offset_after(data, header_end)
    end = len(data)
    while end > start and data[end - 1] in (0x0A, 0x0D):
        end -= 1
    fast = _fast_split(data, start, end, len(header), delimiter)
    if fast is not None:
        columns, index = fast
        lines, blank, unsplit = index + header_end + 1, 0, []
    else:
        text = data[start:end].decode("utf-8")
        columns, lines, blank, unsplit = _slow_split(text, len(header), delimiter, header_end)
    return _drop_blank(Table(name, header, header_start, columns, lines, encoding,
                             unsplit=unsplit, blank_rows=blank))


def _fast_split(data: bytes, start: int, end: int, width: int,
                delimiter: str) -> tuple[list[pd.Series], np.ndarray] | None:
    """pyarrow's parser when every record is one line of ``width`` cells; else None."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if end <= start:
        return [pd.Series([], dtype="str") for _ in range(width)], np.zeros(0, np.int64)
    names = [f"c{i}" for i in range(width)]
    try:
        tbl = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(memoryview(data)[start:end])),
            read_options=pacsv.ReadOptions(column_names=names, block_size=8 * _CHUNK),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if tbl.num_rows != data.count(b"\n", start, end) + 1:
        return None  # a quoted line break or a blank line: line numbers need the exact path
    columns = [pd.Series(tbl.column(i).to_pandas(), dtype="str") for i in range(width)]
    return columns, np.arange(tbl.num_rows, dtype=np.int64)


def _slow_split(text: str, width: int, delimiter: str, header_end: int
                ) -> tuple[list[pd.Series], np.ndarray, int, list[tuple[int, str, str]]]:
    """Python's csv module: exact physical line numbers; rows with extra non-blank cells are
    returned as unsplit (an unquoted delimiter inside a name would shift every column)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    cols: list[list[str]] = [[] for _ in range(width)]
    lines: list[int] = []
    unsplit: list[tuple[int, str, str]] = []
    blank, last = 0, header_end
    try:
        for cells in reader:
            line, last = last + 1, header_end + reader.line_num
            if not any(c.strip() for c in cells):
                blank += 1
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                unsplit.append((line, f"the row has {len(cells)} cells but the header has "
                                      f"{width} (an unquoted '{delimiter}' in a cell?)",
                                delimiter.join(cells)))
                continue
            cells = cells[:width] + [""] * (width - len(cells))
            for col, cell in zip(cols, cells):
                col.append(cell)
            lines.append(line)
    except csv.Error as exc:
        unsplit.append((last + 1, f"the file cannot be split into cells from here ({exc})", ""))
    series = [pd.Series(c, dtype="str") for c in cols]
    return series, np.asarray(lines, dtype=np.int64), blank, unsplit


def _drop_blank(table: Table) -> Table:
    """Remove rows of a CSV Table whose every cell is blank (spacer rows), counting them."""
    if not len(table) or not table.columns:
        return table
    blank = np.ones(len(table), dtype=bool)
    for col in table.columns:
        blank &= (col.str.strip() == "").to_numpy(bool)
        if not blank.any():
            return table
    keep = ~blank
    table.columns = [c[keep].reset_index(drop=True) for c in table.columns]
    table.lines = table.lines[keep]
    table.blank_rows += int(blank.sum())
    return table


# --- XLSX ----------------------------------------------------------------------------------------

def read_xlsx(name: str, data: bytes, find_header: FindHeader, on_missing: OnMissing,
              max_bytes: int, max_rows: int | None = None) -> Table:
    """The first worksheet with a recognisable header, as a Table of cell values (at most
    `max_rows` rows below the header when given: the upload preview)."""
    return read_xlsx_sheets(name, data, find_header, on_missing, max_bytes, max_rows,
                            first_only=True)[0][0]


def read_xlsx_sheets(name: str, data: bytes, find_header: FindHeader, on_missing: OnMissing,
                     max_bytes: int, max_rows: int | None = None, first_only: bool = False
                     ) -> tuple[list[Table], list[tuple[str, str]]]:
    """Every visible worksheet with a header, as Tables of cell values, and the sheets left out.

    A formula cell reads as the value Excel saved with it (what the user sees in Excel: an
    amount written as =SUM(...) imports as its total); a formula with no saved value (a workbook
    written by a program and never opened in Excel) reads as its text, which the readers reject
    or keep verbatim. Nothing is ever evaluated here."""
    import openpyxl

    _check_zip(name, data, max_bytes)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        saved = (openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                 if _has_formulas(data) else None)
    except Exception:  # noqa: BLE001 - any failure to open means "not a workbook we can read"
        raise _not_table(name) from None
    try:
        sheets = ((ws.title, getattr(ws, "sheet_state", "visible") != "visible",
                   (lambda ws=ws: _sheet_rows(ws, saved[ws.title] if saved is not None
                                              else None)))
                  for ws in wb.worksheets if hasattr(ws, "iter_rows"))
        return _sheet_tables(name, sheets, find_header, on_missing, max_rows, first_only)
    finally:
        wb.close()
        if saved is not None:
            saved.close()


def _read_calamine(name: str, data: bytes, find_header: FindHeader, on_missing: OnMissing,
                   max_bytes: int) -> tuple[list[Table], list[tuple[str, str]]]:
    """.xls, .xlsb and .ods workbooks, read by calamine (cached formula values, never evaluated)."""
    from python_calamine import CalamineWorkbook

    if data.startswith(b"PK\x03\x04"):
        _check_zip(name, data, max_bytes)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        meta = list(wb.sheets_metadata)
    except Exception:  # noqa: BLE001 - any failure to open means "not a workbook we can read"
        raise _not_table(name) from None

    def rows(sheet: str):
        try:
            return iter(wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
        except Exception:  # noqa: BLE001 - a damaged sheet: say so, as for a damaged file
            raise _not_table(name) from None

    sheets = ((m.name, "visible" not in str(m.visible).lower(),
               (lambda n=m.name: rows(n))) for m in meta)
    return _sheet_tables(name, sheets, find_header, on_missing, None, False)


def _sheet_tables(name: str, sheets, find_header: FindHeader, on_missing: OnMissing,
                  max_rows: int | None, first_only: bool
                  ) -> tuple[list[Table], list[tuple[str, str]]]:
    """Tables of the sheets (title, hidden, rows()) that have a header; the rest listed."""
    tables: list[Table] = []
    skipped: list[tuple[str, str]] = []
    first: list[list[str]] | None = None
    for title, hidden, make_rows in sheets:
        if hidden:
            skipped.append((title, "hidden sheet (a working copy): not read"))
            continue
        rows = make_rows()
        top = [list(r) for _, r in zip(range(HEADER_SCAN_ROWS), rows)]
        texts = [[cell_text(v) for v in r] for r in top]
        first = first if first is not None else texts
        idx = find_header(texts)
        if idx is None and tables:
            idx = _like_header(texts, tables[-1].header)
        if idx is None:
            skipped.append((title, "no header row with an amount and a date or supplier"))
            continue
        rest = rows if max_rows is None else islice(rows, max_rows)
        tables.append(_sheet_table(name, title, texts[idx], idx + 1, top[idx + 1:], rest))
        if first_only:
            break
    if not tables:
        raise on_missing(name, first or [])
    return tables, skipped


def _like_header(rows: list[list[str]], previous: list[str]) -> int | None:
    """The row laid out like the previous sheet's header: at least two of its non-blank cells
    equal that header's at the same positions, and more agree than differ."""
    want = {i: c.casefold() for i, c in enumerate(previous) if c}
    for i, cells in enumerate(rows):
        same = sum(1 for j, c in enumerate(cells) if c and want.get(j) == c.casefold())
        clash = sum(1 for j, c in enumerate(cells) if c and j in want and want[j] != c.casefold())
        if same >= 2 and same > clash:
            return i
    return None


def _sheet_rows(ws, saved_ws):
    """A sheet's rows of values; formulas replaced by their saved values where there are any."""
    for sheet in (ws, saved_ws):
        if sheet is not None and hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the stored dimension may be wrong: read every cell
    rows = ws.iter_rows(values_only=True)
    if saved_ws is None:
        return rows
    return (tuple(v if c is None or not (isinstance(v, str) and v.startswith("=")) else c
                  for v, c in zip_longest(row, cached or ()))
            for row, cached in zip_longest(rows, saved_ws.iter_rows(values_only=True),
                                           fillvalue=()))


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet holds a formula (a byte search of the sheet XML, so a workbook of
    plain values is read once, not twice)."""
    return _sheet_xml_has(data, _FORMULA)


_FORMULA = re.compile(rb"<f[ >]")
_UNSAVED = re.compile(rb"(?:</f>|<f[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")


def _unsaved_formulas(data: bytes) -> bool:
    """Whether a worksheet holds a formula with no value saved beside it (a workbook written by
    a program and never opened in Excel): only then is openpyxl needed to read the formula's
    text; everywhere else calamine reads the saved values, several times faster. A damaged
    workbook counts as one: openpyxl's path says what is wrong with it."""
    try:
        return _sheet_xml_has(data, _UNSAVED)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return True


def _sheet_xml_has(data: bytes, pattern: re.Pattern[bytes]) -> bool:
    """Whether `pattern` occurs in any worksheet's XML, read in 1 MB chunks with an overlap."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with zf.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        block = tail + chunk
                        if pattern.search(block):
                            return True
                        tail = block[-4096:]
    return False


def _check_zip(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse a workbook whose parts would unpack to far more than the size limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise _not_table(name) from None
    if unpacked > XLSX_EXPANSION * max_bytes:
        raise _too_big(name, max_bytes, unpacked=True)


def _sheet_table(name: str, sheet: str, header: list[str], header_row: int,
                 top: list[list[object]], rest) -> Table:
    """Rows below the header of one sheet -> Table (object columns, sheet row numbers)."""
    width = len(header)
    cols: list[list[object]] = [[] for _ in range(width)]
    lines: list[int] = []
    blank = 0
    row_no = header_row
    for row in _chain(top, rest):
        row_no += 1
        cells = list(row[:width]) + [None] * (width - len(row))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            blank += 1
            continue
        for col, value in zip(cols, cells):
            col.append(value)
        lines.append(row_no)
    series = [pd.Series(c, dtype=object) for c in cols]
    return Table(name, header, header_row, series, np.asarray(lines, dtype=np.int64), "xlsx",
                 sheet=sheet, blank_rows=blank)


def _chain(first: list, rest):
    yield from first
    yield from rest


def cell_text(value: object) -> str:
    """A cell as text: "" for empty, integral floats without ".0", dates as ISO, else str()."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()
