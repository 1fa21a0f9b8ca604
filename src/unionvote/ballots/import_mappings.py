"""Column mappings for the member import: which headings in a union's own export mean which member column.

Membership systems and CRMs export the same facts under their own headings ("Membership Number"
or "Member No"; "Forename" and "Surname" where unionvote keeps one name). The person uploading
picks a mapping, or lets it be detected from the file's first row: the mapping that recognises
the most headings and finds every required column wins, earlier mappings on a tie.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from unionvote.i18n import N_

NAME_PARTS = ("forename", "surname")  # joined, in this order, into the member's one name
DETECT = "detect"


def heading_key(text: str) -> str:
    """A heading as compared: case, spaces and punctuation do not matter ("Member No." is "member no")."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class ColumnMapping:
    key: str
    label: str
    # Each member column (or forename / surname) and the headings it may have in the file, the usual one first.
    headings: Mapping[str, tuple[str, ...]]
    lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for target, names in self.headings.items():
            for name in names:
                if lookup.setdefault(heading_key(name), target) != target:
                    raise ValueError(f"mapping {self.key}: heading '{name}' is given to two columns")
        object.__setattr__(self, "lookup", lookup)

    def targets(self, header: Iterable[str]) -> list[str | None]:
        """What each heading of a file means under this mapping; None for a column it does not know."""
        return [self.lookup.get(heading_key(cell)) for cell in header]

    def headings_words(self, target: str) -> str:
        return " or ".join(f"'{name}'" for name in self.headings.get(target, ()))


STANDARD = ColumnMapping("standard", N_("unionvote standard (membership number, name, email, mobile, employer...)"), {
    "membership number": ("membership number", "member number", "membership no", "number"),
    "name": ("name", "full name", "member name"),
    "email": ("email", "email address", "e-mail"),
    "mobile": ("mobile", "mobile number", "phone", "mobile phone"),
    "employer": ("employer", "employer name"),
    "workplace": ("workplace", "site", "workplace name"),
    "region": ("region",),
    "branch": ("branch", "branch name"),
})

MEMBERSHIP_SYSTEM = ColumnMapping(
    "membership-system", N_("Membership system export (Membership Number, Forename, Surname, Email Address...)"), {
        "membership number": ("Membership Number", "Membership No", "Membership Ref"),
        "forename": ("Forename", "Forenames"),
        "surname": ("Surname",),
        "email": ("Email Address", "Email", "Personal Email"),
        "mobile": ("Mobile", "Mobile Number", "Mobile Telephone"),
        "employer": ("Employer", "Employer Name"),
        "workplace": ("Workplace", "Workplace Name", "Site Name"),
        "region": ("Region", "Region Name"),
        "branch": ("Branch", "Branch Name"),
    })

CRM_CONTACTS = ColumnMapping(
    "crm-contacts", N_("CRM contacts export (Member No, First Name, Last Name, Mobile Phone...)"), {
        "membership number": ("Member No", "Member Number", "Member ID"),
        "forename": ("First Name", "Given Name"),
        "surname": ("Last Name", "Family Name"),
        "email": ("Email Address", "Email", "Primary Email"),
        "mobile": ("Mobile Phone", "Mobile", "Cell Phone"),
        "employer": ("Employer Name", "Employer", "Current Employer"),
        "workplace": ("Work Location", "Workplace", "Worksite"),
        "region": ("Region",),
        "branch": ("Branch Name", "Branch"),
    })

MAPPINGS: dict[str, ColumnMapping] = {m.key: m for m in (STANDARD, MEMBERSHIP_SYSTEM, CRM_CONTACTS)}


def mapping_choices() -> list[tuple[str, str]]:
    """The upload form's select: detection first, then each named mapping."""
    return [(DETECT, N_("Detect from the file's column headings")), *((m.key, m.label) for m in MAPPINGS.values())]


def missing_required(mapping: ColumnMapping, header: Sequence[str], required: Sequence[str]) -> list[str]:
    present = set(mapping.targets(header))
    return [name for name in required if name not in present]


def closest(header: Sequence[str], required: Sequence[str]) -> tuple[ColumnMapping, bool]:
    """The mapping that fits the headings best, and whether it finds every required column.

    Finding every required column counts first, then the number of headings recognised; earlier wins a tie.
    """
    def fit(mapping: ColumnMapping) -> tuple[bool, int]:
        return (not missing_required(mapping, header, required),
                sum(target is not None for target in mapping.targets(header)))

    best = max(MAPPINGS.values(), key=fit)  # max keeps the first of equals
    return best, fit(best)[0]


def detect(header: Sequence[str], required: Sequence[str]) -> ColumnMapping | None:
    """The mapping these headings were written for; None when no mapping finds every required column."""
    mapping, complete = closest(header, required)
    return mapping if complete else None
