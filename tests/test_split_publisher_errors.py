"""Run-together rows whose published sums are wrong: what can still be read, and only that.

* A row no split makes add up is read by its digits alone, and only when each printed number
  goes whole into one cell — except the cuts no reading can avoid (a number never starts
  with 0, so "000" is three cells).
* A table whose 总计 leaves one applicant column out in every row (a publisher's habit the
  generator reproduces) is read under that sum, with a warning, only when exactly one column
  explains every row.
"""

from __future__ import annotations

import random

from gongkai.synth import render_report
from gongkai.synth.compare import compare
from gongkai.synth.evidence import history_from_truth
from transforms.cells import ValueSource, read_values, without_identity
from transforms.parse import parse_bytes
from transforms.serialize import report_to_json
from transforms.splitting import split_with_subtotal, tokenize

FIFTEEN = ("count",) * 15


def _review(text: str):
    reading = read_values(ValueSource((text,), ("line 1",), free_text=True, spaces_separate=False), FIFTEEN,
                          "group_sums", group_shape=(3, 4))
    assert reading.status == "impossible"
    return without_identity(reading, FIFTEEN, "万元", "line 1")


def test_zeros_cut_where_no_number_can_go_on_are_read_as_printed() -> None:
    # section 四 with a 复议后起诉 总计 of 1 over four zeros: no split adds up, yet every digit is forced
    r = _review("000/00000/00001")
    assert r.status == "recovered" and r.as_printed
    assert [int(c.value) for c in r.cells] == [0] * 14 + [1]


def test_a_cut_that_is_a_choice_stays_unread() -> None:
    # "10" may be one cell or two: with the sums broken, no reading is certain
    r = _review("000000000100000")
    assert all(c.value is None for c in r.cells)


def _omitting_report():
    # seed 1, report 124: 总计 leaves out one applicant column in every row (``total_drops_applicant``)
    data, truth = render_report(1, 124, 3, "txt")
    assert any(e["kind"] == "total_drops_applicant" for e in truth["injected_errors"])
    return data, truth


def test_a_total_that_omits_one_column_in_every_row_is_read_as_the_documents_habit() -> None:
    data, truth = _omitting_report()
    out = report_to_json(parse_bytes(data, "r.txt", history=history_from_truth(truth), use_habit=True))
    c = compare(truth, out)
    assert not c.wrong
    assert c.correct_how.get("split_by_habit", 0) >= 14  # at least two rows of seven cells
    habit = [f for f in out["findings"] if f["code"] == "cell.split_by_habit" and "一律未计入" in f["message"]]
    assert habit and all(f["severity"] == "warning" for f in habit)
    off = report_to_json(parse_bytes(data, "r.txt", history=history_from_truth(truth), use_habit=False))
    assert compare(truth, off).correct < c.correct
    assert not any("一律未计入" in f["message"] for f in off["findings"])


def test_subtotal_split_keeps_the_truth_among_its_readings() -> None:
    """The 小计 = 总计 − 自然人 shortcut must not lose a reading."""
    rng = random.Random(11)
    for _ in range(150):
        natural = rng.choice([0, 1, 3, 12, 140])
        orgs = [rng.choice([0, 0, 1, 2, 7, 30]) for _ in range(5)]
        row = [natural] + orgs + [sum(orgs), natural + sum(orgs)]
        cands = {tuple(int(p.value) for p in c) for c in split_with_subtotal(tokenize("".join(map(str, row)), False), 5, True)}
        assert tuple(row) in cands


def test_a_unit_ends_its_number_even_where_spaces_are_borders() -> None:
    # "6 65件2" in a document whose spaces are borders: 65件 and 2 are two cells, not one word
    assert [t.text for t in tokenize("6 65件2")] == ["6", "65件", "2"]


def test_the_four_totals_of_the_overview_vouch_for_each_other() -> None:
    from transforms.statements import corroborated_flow, statements

    text = "全年共收到政府信息公开申请3件，上年结转2件，办结5件，结转下年度继续办理0件，均在法定期限内答复。"
    assert corroborated_flow(statements([text], 2021)) == {
        "new_received": 3, "carried_over": 2, "results_total": 5, "carried_forward": 0}
    # a slip in one of them (58 for 5) breaks 新收 + 上年结转 = 办结 + 结转下年度: none of them decides alone
    assert corroborated_flow(statements([text.replace("办结5件", "办结58件")], 2021)) is None
    assert corroborated_flow(statements([text.replace("上年结转2件，", "")], 2021)) is None


def test_the_habit_reads_a_row_whose_readings_were_too_many_to_list() -> None:
    """"1000001" with the row sum distrusted has more than 24 readings with vanished blanks, one without."""
    from transforms.evidence import settle_by_habit

    kinds = ("count",) * 7
    reading = read_values(ValueSource(("1000001",), ("l",), free_text=True, spaces_separate=False), kinds, "none")
    assert reading.status == "ambiguous" and not reading.candidates.complete
    assert settle_by_habit(reading, kinds, "l") == list(range(7))
    assert [int(c.value) for c in reading.cells] == [1, 0, 0, 0, 0, 0, 1]
    assert {c.how for c in reading.cells} == {"split_by_habit"}


def test_a_row_of_zeros_with_a_subtotal_cell_shows_the_habit() -> None:
    from transforms.evidence import shows_printed_zeros

    kinds = ("count",) * 7
    row = read_values(ValueSource(("00000000",), ("l",), free_text=True, spaces_separate=False), kinds, "none")
    row.subtotal_at = 6  # eight printed zeros: seven cells and the 小计 the form does not have
    assert shows_printed_zeros([(row, kinds)]) == (True, 1)


def test_with_the_habit_a_row_with_a_broken_sum_is_read_by_its_digits() -> None:
    """"000000000100000": no split makes every 四 group add up, and "10" may be one cell — unless every
    cell is printed (the document's habit), when fifteen digits are fifteen cells."""
    from transforms.evidence import settle_by_habit

    r = _review("000000000100000")
    assert r.status == "impossible"
    assert settle_by_habit(r, FIFTEEN, "line 1") == list(range(15))
    assert [int(c.value) for c in r.cells] == [0] * 9 + [1] + [0] * 5
    assert {c.how for c in r.cells} == {"split_by_habit"}


def test_the_habit_does_not_trust_a_space_between_digits() -> None:
    """"2 94294294" in a document whose spaces are borders: 294 may be printed "2 94"; the habit
    (no vanished blank) alone would have read 2 · 94294294 → 2 · … — with the space ignored, 294 · 294 · 294 too."""
    from transforms.evidence import settle_by_habit

    kinds = ("count",) * 3
    r = read_values(ValueSource(("2 94294294",), ("l",), free_text=True, spaces_separate=True), kinds, "none")
    assert r.status == "ambiguous"
    settle_by_habit(r, kinds, "l")
    assert r.cells[0].value is None
