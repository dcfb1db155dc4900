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


CONTROL = '[[case]]\nname = "bell\\u0007 <b>bold</b> esc\\u001b[31m rtl\\u202e"\nprogram = "y = x*x"\ninputs = { x = 1 }\nexpect = { grad = { x = 3 } }\n'
SHOWN = "bell\\x07 <b>bold</b> esc\\x1b[31m rtl\\u202e"


def test_control_characters_are_shown_escaped_in_every_report(tmp_path):
    sample = tmp_path / "c.toml"
    sample.write_text(CONTROL)
    reports = {
        fmt: CliRunner().invoke(main, ["verify", str(sample), "-j", "1", "--format", fmt]).stdout
        for fmt in ("table", "github", "markdown", "junit")
    }
    for fmt, text in reports.items():
        assert not any(c in text for c in "\x07\x1b\u202e"), fmt  # nothing a terminal or a log viewer would act on
    assert SHOWN in reports["table"] and SHOWN in reports["github"]
    assert (
        "bell\\x07 &lt;b&gt;bold&lt;/b&gt; esc\\x1b[31m rtl\\u202e" in reports["markdown"]
    )  # HTML shown, not rendered


def test_a_control_character_in_a_program_comment_is_escaped_in_check():
    result = CliRunner().invoke(main, ["check", "y = x*x  # \x1b[31mred", "x=1"])
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "y = x*x  # \\x1b[31mred"
