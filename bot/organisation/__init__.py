"""The commune's real lists in and out of the database: `python -m bot org import|export`.

- `households`: the households file (.xlsx or .csv), one row per household;
- `structure`: the structure file (YAML): duty phone, police desk chat, villages, groups, people;
- `state`: what the database holds for a commune, indexed by folded names;
- `apply`: checks the files against it and applies them in one transaction, all or nothing;
- `export`: writes the same formats back;
- `commands`: the command line.

The formats are described in docs/ORG_FILES.md.
"""

from bot.organisation.apply import ImportFiles, import_files, import_path, read_files
from bot.organisation.export import export_commune
from bot.organisation.report import OrgFileError, Rejection, Report

__all__ = [
    "ImportFiles",
    "OrgFileError",
    "Rejection",
    "Report",
    "export_commune",
    "import_files",
    "import_path",
    "read_files",
]
