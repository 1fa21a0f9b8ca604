"""Reading register files: every bad row is named with its line, spreadsheet habits are understood."""

from __future__ import annotations

from datetime import date

import pytest

from unionvote.conferences.csvfiles import RegisterFileRejected, parse_bodies, parse_delegates

HEADER = "membership number,name,email,mobile,body code,role\n"
BODIES = {"LON", "MAN", "CAR"}


def rejected(data: bytes, body_codes: set[str] = BODIES) -> list[str]:
    with pytest.raises(RegisterFileRejected) as caught:
        parse_delegates(data, body_codes)
    return [str(problem) for problem in caught.value.problems]


def test_a_clean_file_is_read_with_values_normalised() -> None:
    data = (HEADER + "a100,Ann Jones, ANN@Example.org ,07700 900123,lon,Delegate\n"
            "A101,Bob Smith,bob@example.org,,MAN,observer\n").encode()

    parsed = parse_delegates(data, BODIES)

    first, second = parsed.rows
    assert (first.line, first.membership_number, first.email, first.mobile, first.body_code, first.role) == (
        2, "A100", "ann@example.org", "07700900123", "LON", "delegate")
    assert (second.mobile, second.role, second.is_lead) == (None, "observer", None)
    assert parsed.has_lead_column is False


def test_a_utf8_bom_and_spreadsheet_quoting_are_understood() -> None:
    data = ("\ufeff" + '"Membership Number","Name","E-mail","Mobile","Body code","Role"\r\n'
            '="00123","Jones, Ann ""Nan""",ann@example.org,"+44 7700 900123",LON,delegate\r\n'
            ",,,,,\r\n").encode()

    (row,) = parse_delegates(data, BODIES).rows

    assert (row.membership_number, row.name, row.mobile) == ("00123", 'Jones, Ann "Nan"', "+447700900123")


def test_semicolon_separated_files_from_other_locales_are_read() -> None:
    data = "membership number;name;email;body code;role\n1;Zoë Żak;zoe@example.org;CAR;delegate\n".encode()

    (row,) = parse_delegates(data, BODIES).rows

    assert row.name == "Zoë Żak"


def test_every_bad_row_is_listed_with_its_line_and_reason() -> None:
    data = (HEADER
            + "A1,Ann,ann@example.org,,LON,delegate\n"
            + "A2,,bob@,,ZZZ,speaker\n"
            + "A1,Cat,cat@example.org,123,LON,delegate\n"
            + "A 4!,Dan,dan@example.org,,,delegate\n"
            + "A5,Eve,eve@example.org,,LON,delegate,extra\n").encode()

    problems = rejected(data)

    assert problems == [
        "Row 3: name is missing; email 'bob@' is not an email address; "
        "role 'speaker' must be delegate, substitute, observer or visitor; "
        "body code 'ZZZ' is not one of this conference's bodies",
        "Row 4: membership number 'A1' is also on row 2; "
        "mobile '123' is not a phone number (7 to 15 digits, may start with +)",
        "Row 5: membership number 'A 4!' may only hold letters, digits, '.', '/' and '-' (up to 32); "
        "body code is missing",
        "Row 6: has 7 values but the header names 6 columns",
    ]


def test_the_error_message_says_nothing_was_imported_and_lists_the_rows() -> None:
    with pytest.raises(RegisterFileRejected, match=r"Nothing was imported: 1 row of the file has a problem\.\n"
                                                   r"Row 2: email is missing"):
        parse_delegates((HEADER + "A1,Ann,,,LON,delegate\n").encode(), BODIES)


def test_a_wrong_header_names_the_columns_expected() -> None:
    (problem,) = rejected(b"number,name,email,body code,rank\nA1,Ann,ann@example.org,LON,delegate\n")

    assert problem.startswith("Row 1: column 'number' is not one this import knows; "
                              "column 'rank' is not one this import knows; "
                              "the header lacks 'membership number', 'role'; the columns are: membership number,")


def test_bytes_that_are_not_utf8_are_reported_on_each_line() -> None:
    data = HEADER.encode() + "A1,Ren\xe9e,r@example.org,,LON,delegate\n".encode("latin-1") + \
        b"A2,Bob,b@example.org,,LON,delegate\n" + "A3,Ch\xe9,c@example.org,,LON,delegate\n".encode("cp1252")

    problems = rejected(data)

    assert [p.split(":")[0] for p in problems] == ["Row 2", "Row 4"]
    assert "is not UTF-8 text (byte 0xE9" in problems[0] and "CSV UTF-8" in problems[0]


def test_a_utf16_file_is_named_as_such() -> None:
    (problem,) = rejected((HEADER + "A1,Ann,a@example.org,,LON,delegate\n").encode("utf-16"))

    assert "UTF-16" in problem


def test_broken_quoting_is_reported_where_it_starts() -> None:
    (problem,) = rejected((HEADER + 'A1,"Ann,a@example.org,,LON,delegate\n').encode())

    assert problem.startswith("Row 2: the quoting is broken")


def test_empty_files_and_header_only_files_are_refused() -> None:
    assert rejected(b"") == ["Row 1: the file is empty"]
    assert rejected(HEADER.encode()) == ["Row 1: the file has a header but no rows below it"]


def test_lead_column_allows_one_lead_delegate_per_body() -> None:
    header = "membership number,name,email,body code,role,lead\n"
    good = parse_delegates((header + "A1,Ann,a@example.org,LON,delegate,yes\n"
                            "A2,Bob,b@example.org,LON,delegate,\n").encode(), BODIES)
    assert [r.is_lead for r in good.rows] == [True, False] and good.has_lead_column

    problems = rejected((header + "A1,Ann,a@example.org,LON,delegate,yes\n"
                         "A2,Bob,b@example.org,LON,delegate,Y\n"
                         "A3,Cat,c@example.org,LON,observer,yes\n"
                         "A4,Dan,d@example.org,MAN,delegate,maybe\n").encode())
    assert problems == [
        "Row 3: body 'LON' already has its lead on row 2",
        "Row 4: only a delegate can lead a body's delegation, not an observer",
        "Row 5: lead 'maybe' must be yes or no",
    ]


def test_observers_and_visitors_need_no_body() -> None:
    rows = parse_delegates((HEADER + "V1,Vic,v@example.org,,,visitor\n").encode(), BODIES).rows

    assert rows[0].body_code is None


def test_bodies_are_read_with_membership_and_cut_off_date() -> None:
    data = (b'code,name,kind,membership,cut-off date\n'
            b'lon,London Central,Branch,"1,250",2027-01-31\n'
            b'NW,North West,region,40000,31/01/2027\n'
            b'AFF,Affiliate,affiliate,0,\n')

    rows = parse_bodies(data)

    assert [(r.code, r.kind, r.membership, r.counted_on) for r in rows] == [
        ("LON", "branch", 1250, date(2027, 1, 31)),
        ("NW", "region", 40000, date(2027, 1, 31)),
        ("AFF", "affiliate", 0, None),
    ]


def test_bad_body_rows_are_all_listed() -> None:
    data = (b"code,name,kind,membership,cut-off date\n"
            b"LON,London,branch,12.5,2027-02-30\n"
            b"lon,Again,club,,\n"
            b",Nameless,region,-3,\n"
            + "SUP,Superscript two,region,\u00b2,\n".encode())

    with pytest.raises(RegisterFileRejected) as caught:
        parse_bodies(data)

    assert [str(p) for p in caught.value.problems] == [
        "Row 2: membership '12.5' is not a whole number of members; "
        "cut-off date '2027-02-30' is not a date (write it as 2027-03-31)",
        "Row 3: code 'LON' is also on row 2; kind 'club' must be branch, region, sector or affiliate; "
        "membership is missing",
        "Row 4: code is missing; membership '-3' is not a whole number of members",
        "Row 5: membership '\u00b2' is not a whole number of members",
    ]
