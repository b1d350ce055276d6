"""Exports of a built graph for tools that do not read RDF: Popolo JSON and CSV tables."""

from kg.export.csv import csv_tables
from kg.export.popolo import popolo

__all__ = ["csv_tables", "popolo"]
