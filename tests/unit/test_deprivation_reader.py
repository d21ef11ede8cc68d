"""read_imd / read_population: IoD files of 2019 and 2025, CSV and XLSX, columns by pattern."""
from __future__ import annotations

import gzip

import pytest

from dashboard.errors import InputError
from dashboard.ingest.io.deprivation import read_imd, read_population

FILE1_2019 = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
    'E01000001,City of London 001A,E09000001,City of London,"29,199",9\n'
    'E01000002,City of London 001B,E09000001,City of London,"30,379",10\n'
    "E01000005,City of London 001E,E09000001,City of London,\"8,678\",3\n"
    "E01032740,Sunderland 001A,E08000024,Sunderland,1,1\n"
)

IMD25_HEADER = [
    "LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
    "Local Authority District name (2024)",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
]


def write(path, text: str, bom: bool = True):
    """CSV with the UTF-8 byte-order mark the official files carry; gzip by suffix."""
    data = ("\ufeff" if bom else "") + text
    if str(path).endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            fh.write(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def imd25_workbook(path, rows, *, title_rows=0, notes_sheet=True):
    """An XLSX shaped like the official IoD2025 File 1: a notes sheet, then sheet IMD25."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if notes_sheet:
        ws.title = "Notes"
        ws.append(["English Indices of Deprivation 2025"])
        ws.append(["LSOA code is the 2021 code"])  # text mentioning LSOA code, not a header
        ws = wb.create_sheet("IMD25")
    else:
        ws.title = "IMD25"
    for i in range(title_rows):
        ws.append([f"Title line {i}"])
    ws.append(IMD25_HEADER)
    for row in rows:
        ws.append(row)
    ws.append([None] * 6)  # trailing blank row, as spreadsheets often have
    wb.save(path)
    return path


def test_file1_2019_csv_with_bom_and_thousands_separators(tmp_path):
    df = read_imd(write(tmp_path / "File_1.csv.gz", FILE1_2019))
    assert list(df.columns) == ["lsoa", "lad", "imd_rank", "imd_decile"]
    assert df.attrs["lsoa_vintage"] == "2011"
    assert df["imd_rank"].dtype == "int64" and df["imd_decile"].dtype == "int64"
    row = df.set_index("lsoa").loc["E01000001"]
    assert (row["imd_rank"], row["imd_decile"], row["lad"]) == (29199, 9, "E09000001")


def test_decile_1_is_the_most_deprived_and_direction_is_kept(tmp_path):
    """Rank 1 = most deprived LSOA, decile 1 = most deprived 10%: never flipped."""
    df = read_imd(write(tmp_path / "f1.csv", FILE1_2019)).set_index("lsoa")
    assert df.loc["E01032740", "imd_rank"] == 1 and df.loc["E01032740", "imd_decile"] == 1
    assert df["imd_decile"].idxmax() == "E01000002"  # least deprived has the highest rank


def test_ranks_and_deciles_in_opposite_directions_are_refused(tmp_path):
    flipped = FILE1_2019.replace(',1,1\n', ',1,10\n')
    with pytest.raises(InputError, match="most deprived"):
        read_imd(write(tmp_path / "f.csv", flipped))


def test_file2_domains_found_by_keyword_not_confused_with_idaci(tmp_path):
    header = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
              "Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)",
              "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most "
              "deprived 10% of LSOAs)",
              "IDAOPI Rank", "IDAOPI Decile", "Income Score (rate)",
              "Index of Multiple Deprivation (IMD) Score",
              "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
              "Income Rank (where 1 is most deprived)",
              "Income Decile (where 1 is most deprived 10% of LSOAs)",
              "Education, Skills and Training Rank (where 1 is most deprived)",
              "Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)",
              "Living Environment Rank (where 1 is most deprived)",
              "Living Environment Decile (where 1 is most deprived 10% of LSOAs)",
              "Geographical Barriers Sub-domain Rank", "Geographical Barriers Sub-domain Decile"]
    quoted = ",".join(f'"{h}"' for h in header)
    row = "E01000001,City 001A,E09000001,5,1,6,1,0.01,8.7,29199,9,32831,10,\"1,234\",1,7319,3,2,1"
    df = read_imd(write(tmp_path / "File_2.csv", f"{quoted}\n{row}\n"))
    assert df.iloc[0]["income_rank"] == 32831 and df.iloc[0]["income_decile"] == 10
    assert df.iloc[0]["education_rank"] == 1234
    assert df.iloc[0]["living_environment_decile"] == 3
    assert "barriers_rank" not in df.columns  # only a sub-domain: not the domain
    assert "employment_rank" not in df.columns


def test_iod2025_file1_xlsx_sheet_imd25(tmp_path):
    rows = [["E01000001", "City of London 001A", "E09000001", "City of London", 26525, 8],
            ["E01035000", "Sunderland 040F", "E08000024", "Sunderland", 12.0, 1]]
    df = read_imd(imd25_workbook(tmp_path / "File_1_IoD2025.xlsx", rows))
    assert df.attrs["lsoa_vintage"] == "2021"
    assert df["lsoa"].tolist() == ["E01000001", "E01035000"]
    assert df["imd_rank"].tolist() == [26525, 12] and df["imd_decile"].tolist() == [8, 1]
    assert df["lad"].tolist() == ["E09000001", "E08000024"]


def test_xlsx_header_below_title_rows_and_ranks_as_text(tmp_path):
    rows = [["E01000001", "City of London 001A", "E09000001", "City of London", "26,525", "8"]]
    path = imd25_workbook(tmp_path / "f.xlsx", rows, title_rows=3, notes_sheet=False)
    assert read_imd(path)["imd_rank"].tolist() == [26525]


@pytest.mark.parametrize("rank, decile, match", [
    ('"29,199"', "11", "outside 1..10"),
    ('"29,199"', "0", "outside 1..10"),
    ("0", "1", "below 1"),
    ("abc", "1", "whole number"),
    ("12.5", "1", "whole number"),
    ("", "1", "whole number"),
])
def test_invalid_ranks_and_deciles_are_input_errors(tmp_path, rank, decile, match):
    text = FILE1_2019 + f"E01000009,X,E09000001,X,{rank},{decile}\n"
    with pytest.raises(InputError, match=match):
        read_imd(write(tmp_path / "f.csv", text))


def test_missing_imd_columns_lists_what_was_found(tmp_path):
    path = write(tmp_path / "pop.csv", "LSOA code (2011),Total population\nE01000001,10\n")
    with pytest.raises(InputError) as err:
        read_imd(path)
    assert "IMD rank" in str(err.value) and "'Total population'" in str(err.value)


def test_no_lsoa_column_is_an_input_error(tmp_path):
    path = write(tmp_path / "x.csv", "Supplier,Amount\nA,1\n")
    with pytest.raises(InputError, match="LSOA code"):
        read_imd(path)


def test_repeated_lsoa_is_an_input_error(tmp_path):
    text = FILE1_2019 + "E01000001,City of London 001A,E09000001,City,\"29,199\",9\n"
    with pytest.raises(InputError, match="more than once"):
        read_imd(write(tmp_path / "f.csv", text))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_imd(tmp_path / "none.csv")


def test_population_file6_total_population_with_separators(tmp_path):
    text = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
            "Local Authority District name (2019),"
            "Total population: mid 2015 (excluding prisoners),"
            "Dependent Children aged 0-15: mid 2015 (excluding prisoners)\n"
            'E01000001,City of London 001A,E09000001,City of London,"1,296",175\n'
            "E01000002,City of London 001B,E09000001,City of London,1156,182\n")
    df = read_population(write(tmp_path / "File_6.csv", text))
    assert list(df.columns) == ["lsoa", "population"]
    assert df["population"].tolist() == [1296, 1156] and df["population"].dtype == "int64"
    assert df.attrs["lsoa_vintage"] == "2011"


def test_population_without_total_column(tmp_path):
    with pytest.raises(InputError, match="Total population"):
        read_population(write(tmp_path / "f.csv", FILE1_2019))


def test_generic_lsoa21cd_header_gives_vintage(tmp_path):
    text = ("LSOA21CD,IMD Rank,IMD Decile\nE01000001,5,1\n")
    df = read_imd(write(tmp_path / "f.csv", text, bom=False))
    assert df.attrs["lsoa_vintage"] == "2021" and df["lad"].isna().all()
