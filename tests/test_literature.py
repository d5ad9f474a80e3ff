"""Specification of course_lib.choosing.literature: the published results lesson 11 compares with."""
import dataclasses
import re

import pytest

from course_lib.choosing import literature
from course_lib.choosing.literature import FINDINGS, PAPERS, Finding, findings_table

# Written from the task brief, independently of the module: citation -> arXiv id.
REQUIRED = {
    "Lewis et al. 2020": "2005.11401",
    "Ovadia et al. 2024": "2312.05934",
    "Balaguer et al. 2024": "2401.08406",
    "Zhang et al. 2024": "2403.10131",
    "Gao et al. 2022": "2212.10496",
    "Hu et al. 2021": "2106.09685",
}
# papers the brief names with two course-relevant results
TWO_RESULTS = ["Lewis et al. 2020", "Ovadia et al. 2024", "Zhang et al. 2024",
               "Gao et al. 2022", "Hu et al. 2021"]
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def by_paper(name):
    return [f for f in FINDINGS if f.paper == name]


def test_every_required_paper_has_at_least_one_finding():
    for name in REQUIRED:
        assert by_paper(name), name


def test_no_finding_cites_a_paper_outside_the_brief():
    assert set(PAPERS) == set(REQUIRED)


@pytest.mark.parametrize("name", TWO_RESULTS)
def test_papers_with_two_relevant_results_have_two_findings(name):
    assert len(by_paper(name)) >= 2


def test_every_field_of_every_finding_is_non_empty_text():
    for finding in FINDINGS:
        for field in dataclasses.fields(Finding):
            value = getattr(finding, field.name)
            assert isinstance(value, str) and value.strip(), (finding.paper, field.name)


def test_urls_are_the_arxiv_abstract_pages_of_the_papers():
    for finding in FINDINGS:
        assert finding.url == f"https://arxiv.org/abs/{REQUIRED[finding.paper]}", finding


def test_one_paper_has_one_title_and_one_url():
    for name in REQUIRED:
        assert len({(f.title, f.url) for f in by_paper(name)}) == 1, name


def test_each_finding_says_where_in_the_paper_to_look():
    for finding in FINDINGS:
        assert re.search(r"Table|Section|Figure|Abstract", finding.where), finding.where


def test_numbers_are_numbers_or_say_they_were_not_verified():
    for finding in FINDINGS:
        assert re.search(r"\d", finding.numbers) or "not verified here" in finding.numbers


def test_the_index_swap_experiment_is_recorded_with_its_four_accuracies():
    # Lewis et al. 2020, Section 4.5: 70% / 68% matched, 12% / 4% mismatched
    swap = [f for f in by_paper("Lewis et al. 2020") if "82 world leaders" in f.setting]
    assert len(swap) == 1
    for pct in ("70%", "68%", "12%", "4%"):
        assert pct in swap[0].numbers


def test_the_raft_table_shows_the_fine_tuned_model_hurt_by_retrieved_context():
    # Zhang et al. 2024, Table 1: DSF 61.06 vs DSF + RAG 42.59 on HuggingFace
    table = [f for f in by_paper("Zhang et al. 2024") if "DSF+RAG" in f.numbers]
    assert table and "61.06" in table[0].numbers and "42.59" in table[0].numbers


def test_the_lora_headline_reductions_are_quoted():
    assert any("10,000 times" in f.numbers and "3 times" in f.numbers
               for f in by_paper("Hu et al. 2021"))


def test_findings_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FINDINGS[0].numbers = "changed"


def test_full_table_names_every_paper_and_has_one_row_per_finding():
    table = findings_table()
    for name in REQUIRED:
        assert name in table
    lines = table.splitlines()
    assert lines[0].startswith("| paper | claim |")
    assert set(lines[1]) <= set("|-")
    assert len(lines) == 2 + len(FINDINGS)


def test_every_table_row_has_the_same_number_of_cells():
    counts = {len(UNESCAPED_PIPE.findall(line)) for line in findings_table().splitlines()}
    assert counts == {7}  # six columns -> seven separators


def test_a_pipe_inside_a_field_does_not_split_its_cell(monkeypatch):
    odd = dataclasses.replace(FINDINGS[0], numbers="a | b")
    monkeypatch.setattr(literature, "FINDINGS", (odd,))
    row = literature.findings_table().splitlines()[2]
    assert len(UNESCAPED_PIPE.findall(row)) == 7 and "a \\| b" in row


def test_filtering_keeps_only_the_chosen_papers():
    table = findings_table(["Gao et al. 2022", "Hu et al. 2021"])
    assert "Gao et al. 2022" in table and "Hu et al. 2021" in table
    for other in set(REQUIRED) - {"Gao et al. 2022", "Hu et al. 2021"}:
        assert other not in table
    expected_rows = len(by_paper("Gao et al. 2022")) + len(by_paper("Hu et al. 2021"))
    assert len(table.splitlines()) == 2 + expected_rows


def test_a_single_string_is_taken_as_one_paper():
    assert findings_table("Lewis et al. 2020") == findings_table(["Lewis et al. 2020"])


def test_an_unknown_paper_raises_a_value_error_naming_the_known_ones():
    with pytest.raises(ValueError) as err:
        findings_table(["Smith et al. 2023"])
    message = str(err.value)
    assert "Smith et al. 2023" in message
    for name in REQUIRED:
        assert name in message


def test_an_empty_selection_is_refused_with_the_known_papers():
    with pytest.raises(ValueError, match="Lewis et al. 2020"):
        findings_table([])


def test_a_non_string_paper_name_raises_a_type_error():
    with pytest.raises(TypeError, match="citation strings"):
        findings_table([2020])
