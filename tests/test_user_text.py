"""User text is never read as markup: a program's text, a case name or a path reaches the table as written."""

from click.testing import CliRunner

from diffcheck.cli import main


def test_a_comment_that_looks_like_a_closing_tag_is_printed_as_written():
    result = CliRunner().invoke(main, ["check", "y = x*x  # closes [/x] and [bold]", "x=1"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].rstrip() == "y = x*x  # closes [/x] and [bold]"


def test_a_case_name_with_brackets_in_verify(tmp_path):
    sample = tmp_path / "s.toml"
    sample.write_text('[[case]]\nname = "sum [dim=1] [/x]"\nprogram = "y = x * x"\ninputs = { x = 2.0 }\n')
    result = CliRunner().invoke(main, ["verify", str(sample), "-j", "1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "sum [dim=1] [/x]" in result.output
