"""Run-together digits: a split is taken only when exactly one set of values survives."""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from transforms.splitting import split_free, split_sum_group, split_sum_groups, tokenize


def values(cands):
    return sorted(tuple(int(p.value) for p in c) for c in cands)


def test_real_rows_from_004() -> None:
    assert values(split_sum_group(tokenize("640020470"), 6, False)) == [(64, 0, 0, 2, 0, 4, 70)]
    assert values(split_sum_group(tokenize("630020469"), 6, False)) == [(63, 0, 0, 2, 0, 4, 69)]
    # two readings satisfy the row sum: settled only by the column identities
    assert len(split_sum_group(tokenize("270020130"), 6, False)) == 2


def test_spaces_are_boundaries() -> None:
    assert values(split_sum_group(tokenize("230 000023"), 6, True)) == [(23, 0, 0, 0, 0, 0, 23)]
    assert values(split_sum_group(tokenize("3001 53 0 0 61 4 3119"), 6, True)) == [(3001, 53, 0, 0, 61, 4, 3119)]


def test_vanished_blank_makes_section_two_ambiguous() -> None:
    # FORMAT.md: 行政许可215 was 2 · (blank) · 15
    cands = split_free(tokenize("215"), ("count", "delta", "count"), True)
    assert (2, 0, 15) in values(cands) and (2, 1, 5) in values(cands)
    # zeros cannot hide anything
    assert values(split_free(tokenize("000"), ("count",) * 3, True)) == [(0, 0, 0)]


def test_review_groups() -> None:
    assert values(split_sum_groups(tokenize("10203120001200000"), 3, 4, False)) == [
        (1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)
    ]
    # with vanished blanks allowed the same digits have several readings
    assert len(split_sum_groups(tokenize("10203120001200000"), 3, 4, True)) > 1


def test_publisher_error_gives_no_split() -> None:
    # 1 + 1 != 3 however the digits are cut
    assert split_sum_group(tokenize("1000013"), 6, False) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=6, max_size=6), st.booleans())
def test_truth_is_always_among_candidates(parts: list[int], spaced: bool) -> None:
    row = parts + [sum(parts)]
    text = (" " if spaced else "").join(str(v) for v in row)
    cands = values(split_sum_group(tokenize(text), 6, False))
    assert tuple(row) in cands
    if spaced:
        assert cands == [tuple(row)]


def test_random_rows_unique_split_is_right() -> None:
    rng = random.Random(7)
    for _ in range(300):
        parts = [rng.choice([0, 0, 0, 1, 2, 5, 13, 40, 120]) for _ in range(6)]
        row = parts + [sum(parts)]
        cands = values(split_sum_group(tokenize("".join(map(str, row))), 6, False))
        assert tuple(row) in cands
        if len(cands) == 1:
            assert cands[0] == tuple(row)


def test_dash_runs_are_one_or_two_blanks() -> None:
    # "——" is the Chinese dash (one blank) or two blanks written "—" each
    cands = values(split_free(tokenize("——7 1", False), ("count", "delta", "count"), True))
    assert (0, 0, 71) in cands and (0, 7, 1) in cands


def test_spaced_reading_that_breaks_the_row_sum_is_not_trusted() -> None:
    """12 · / · / · 1 · 0 · / · 13 printed as "12//10/1 3": the spaced reading 12,_,_,10,_,1,3 does not
    add up, while reading the space as padding does — two explanations, no certain cell."""
    from transforms.cells import ValueSource, read_values

    reading = read_values(ValueSource(("12//10/1 3",), ("x",), free_text=True, spaces_separate=True),
                          ("count",) * 7, "row_sum")
    assert reading.status == "ambiguous"
    assert reading.cells[3].value is None and reading.cells[6].value is None
    # a spaced row that adds up is read directly
    ok = read_values(ValueSource(("3001 53 0 0 61 4 3119",), ("x",), free_text=True, spaces_separate=True),
                     ("count",) * 7, "row_sum")
    assert ok.status == "ok" and [c.value for c in ok.cells] == [3001, 53, 0, 0, 61, 4, 3119]
