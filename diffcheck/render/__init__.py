"""render: results → tables, JSON, JUnit, GitHub, Markdown, graph trees and progress; the only room that imports rich."""
