"""The report: plots (mplhep), tables and an HTML index page."""

from darkrecon.report.html import Section, write_index

__all__ = ["Section", "write_index"]
