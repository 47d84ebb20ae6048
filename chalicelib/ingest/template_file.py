"""The empty IMAGE Template users download: sheets, headers, drop-down lists.

Generated (never stored) from the template's column lists in ``template.py`` and the
ruleset's valid values, so a newer ruleset changes the drop-down lists without a code
change. The parser reads the result as a valid file with zero records.
"""

from __future__ import annotations

import io

from chalicelib.ingest.template import SHEETS
from chalicelib.validate.ruleset import Rule, Ruleset, RuleType

README_SHEET = "README"
LISTS_SHEET = "valid values"
"""Hidden sheet holding the drop-down lists (Excel list validations cannot hold values
with commas, like 'frozen, liquid nitrogen', inline)."""

#: template column → ruleset attribute whose valid values make its drop-down list
LIST_COLUMNS: dict[tuple[str, str], str] = {
    ("animal", "Sex"): "Sex",
    ("animal", "Birth location accuracy"): "Birth location accuracy",
    ("sample", "availability"): "Availability",
    ("sample", "Collection place accuracy"): "Collection place accuracy",
    ("sample", "Sample storage"): "Sample storage",
    ("sample", "Sample storage processing"): "Sample storage processing",
}
#: labels of the ontology terms the ruleset allows for Sex (it gives only the term ids)
TERM_LABELS = {"PATO_0000384": "male", "PATO_0000383": "female",
               "OBI_0000858": "record of unknown sex"}
#: columns whose drop-down only suggests: other values (an e-mail, a URL) are allowed
FREE_COLUMNS = frozenset({("sample", "availability")})

HEADER_FILL = "FFD9E1F2"
MAX_ROW = 1_048_576

INSTRUCTIONS = (
    "IMAGE Template: how to fill it in",
    "",
    "Sheets: 'breed' lists every (breed, species) used; 'animal' has one row per animal; "
    "'sample' one row per sample.",
    "Keep the headers of row 1 as they are; extra columns are ignored.",
    "An animal's Breed and Species must match one row of sheet 'breed'.",
    "A sample's 'Animal id in data source' must be an animal of sheet 'animal'.",
    "Father and mother ids are animals of sheet 'animal' or BioSamples accessions "
    "(SAMEA...).",
    "Dates: YYYY-MM-DD, YYYY-MM or YYYY (real date cells are fine too).",
    "Durations: a number and a unit, e.g. '10 months' (minutes, hours, days, weeks, "
    "months, years).",
    "Coordinates: decimal degrees, e.g. 45.4642.",
    "Columns with a drop-down list take one of its values exactly.",
)


def list_values(rule: Rule | None) -> tuple[str, ...]:
    """The values a rule's drop-down offers: its valid values (placeholders such as
    'mailto:a.valid@email' left out) or the labels of its valid terms."""
    if rule is None:
        return ()
    if rule.type is RuleType.LIMITED_VALUE:
        return tuple(v for v in rule.valid_values if "a.valid" not in v)
    labels = [t.label or TERM_LABELS.get(t.term) for t in rule.valid_terms]
    return tuple(label for label in labels if label)


def empty_template(ruleset: Ruleset) -> bytes:
    """The empty IMAGE Template as xlsx bytes."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    readme = wb.active
    assert readme is not None
    readme.title = README_SHEET
    for line in INSTRUCTIONS:
        readme.append([line])
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 110

    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    ranges: dict[tuple[str, str], str] = {}
    for n, (key, attr) in enumerate(LIST_COLUMNS.items(), start=1):
        values = list_values(ruleset.rule(attr))
        if not values:
            continue
        letter = get_column_letter(n)
        lists.cell(row=1, column=n, value=attr)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=n, value=value)
        ranges[key] = (f"={quote_sheetname(LISTS_SHEET)}!${letter}$2:"
                       f"${letter}${len(values) + 1}")

    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for sheet, columns in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append(list(columns))
        for idx, name in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=idx)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(idx)
            ws.column_dimensions[letter].width = max(len(name) + 4, 16)
            formula = ranges.get((sheet, name))
            if formula is None:
                continue
            free = (sheet, name) in FREE_COLUMNS
            dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                                showErrorMessage=not free, errorStyle="stop",
                                errorTitle=f"Not a valid {name}",
                                error=f"Choose one of the values of the list for '{name}'.",
                                promptTitle=name, showInputMessage=True,
                                prompt="Choose from the list" + (
                                    " or write an e-mail (mailto:...) or web address"
                                    if free else "") + ".")
            dv.add(f"{letter}2:{letter}{MAX_ROW}")
            ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
