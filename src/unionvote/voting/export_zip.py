"""An export directory as one zip file for the record page, and an uploaded zip unpacked safely to verify it.

Pure: no database. An upload is refused, changing nothing, when it is not a zip, holds a name that would
leave the folder (absolute, `..`, a drive or a backslash), a link, or unpacks to more than MAX_UNPACKED bytes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from unionvote.errors import RuleViolation
from unionvote.i18n import _

MAX_UPLOAD = 64 * 1024 * 1024
MAX_UNPACKED = 512 * 1024 * 1024
MAX_FILES = 100_000


def zip_directory(root: Path) -> bytes:
    """Every file under `root`, by its relative path, in name order, compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def unzip_export(data: bytes, root: Path) -> None:
    """Unpack an uploaded export into the empty folder `root`; a single top folder in the zip is stepped into."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RuleViolation(_("The file is not a zip file: upload the export as downloaded (a .zip).")) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members or len(members) > MAX_FILES:
            raise RuleViolation(_("The zip file holds no files, or far more than an export would."))
        if sum(m.file_size for m in members) > MAX_UNPACKED:
            raise RuleViolation(_("The zip file unpacks to more than an export of this service could hold."))
        names = []
        for member in members:
            name = PurePosixPath(member.filename)
            if "\\" in member.filename or name.is_absolute() or ".." in name.parts or ":" in member.filename \
                    or (member.external_attr >> 16) & 0o170000 == 0o120000:
                raise RuleViolation(_("The zip file holds %(name)s, which is not a file of an export.")
                                    % {"name": repr(member.filename)})
            names.append(name)
        tops = {name.parts[0] for name in names}
        strip = len(tops) == 1 and all(len(name.parts) > 1 for name in names)
        for member, name in zip(members, names, strict=True):
            target = root.joinpath(*(name.parts[1:] if strip else name.parts))
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source:
                target.write_bytes(source.read(MAX_UNPACKED + 1))
