"""The publication policy: params.yaml's ``licenses`` section checked against the registry.

Rules a configuration cannot break, each a one-line error naming params.yaml:
- every license in a group is registered, and in one group only;
- a license that forbids modification (ND) or commercial use (NC) is never published:
  normalization and segmentation modify text, and the corpus is open to industry;
- share-alike licenses are never mixed silently with others: a group is all share-alike
  or none.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.config import LicensesParams
from pipeline.core.errors import UserError
from pipeline.core.licenses import Registry


@dataclass(frozen=True)
class Policy:
    group_of_license: dict[str, str]
    registry: Registry
    default_group: str
    groups: tuple[str, ...]  # in params order

    def group(self, license_id: str) -> str | None:
        return self.group_of_license.get(license_id)

    def refusal(self, license_id: str) -> str:
        """Why documents under this license are not published."""
        entry = self.registry.get(license_id)
        if not entry.modification:
            return f"{license_id} forbids modification, and normalization and segmentation modify text"
        if not entry.commercial_use:
            return f"{license_id} forbids commercial use, and the corpus is published for industry"
        return f"{license_id} is in no publication group (params.yaml licenses.groups)"


def build_policy(params: LicensesParams, registry: Registry, where: str = "params.yaml") -> Policy:
    group_of: dict[str, str] = {}
    for group, members in params.groups.items():
        kinds = set()
        for license_id in members:
            key = f"'licenses.groups.{group}'"
            if license_id not in registry:
                raise UserError(where, f"{key}: {registry.unknown(license_id)}")
            if license_id in group_of:
                raise UserError(where, f"{key}: {license_id} is already in group '{group_of[license_id]}'")
            entry = registry.get(license_id)
            if not entry.modification or not entry.commercial_use:
                raise UserError(
                    where,
                    f"{key}: {license_id} can never be published: "
                    + ("it forbids modification" if not entry.modification else "it forbids commercial use"),
                )
            kinds.add(entry.share_alike)
            group_of[license_id] = group
        if len(kinds) > 1:
            raise UserError(
                where,
                f"'licenses.groups.{group}' mixes share-alike and other licenses; "
                "put share-alike licenses in a group of their own",
            )
    return Policy(group_of, registry, params.default_group, tuple(params.groups))
