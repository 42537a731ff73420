"""The report: plots (mplhep), tables and an HTML index page."""

from darkrecon.report.html import Section, referenced_files, write_index

__all__ = ["Section", "referenced_files", "write_index"]
