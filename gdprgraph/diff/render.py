"""A comparison as JSON, text or Markdown (labels from documents escaped)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict

from ..untrusted import escape_markdown, markdown_code
from .model import Change, DiffResult

FORMATS = ("text", "json", "markdown")


# --- rendering ----------------------------------------------------------------------------------


def as_json(result: DiffResult) -> str:
    """Stable JSON: sorted keys, changes in a fixed order."""
    body = {
        "old": result.old,
        "new": result.new,
        "needs_action": result.needs_action,
        "services": result.services(),
        "changes": [{**asdict(c), "source": c.source} for c in result.changes],
    }
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True)


def _transfer_words(change: Change) -> str:
    if not change.new_third_country_transfer:
        return ""
    if change.has_basis:
        return f"NEW transfer outside the EU/EEA, basis: {change.basis}"
    return f"NEW transfer outside the EU/EEA WITHOUT a Chapter V basis ({change.basis})"


def as_text(result: DiffResult) -> str:
    """One block per change: what, for which services, the transfer, the source."""
    if not result.changes:
        return f"No change between {result.old} and {result.new}."
    acting = sum(c.needs_action for c in result.changes)
    lines = [
        f"{len(result.changes)} change(s) between {result.old} and {result.new}; "
        f"{acting} need action (Art. 28(2): tell the customers, who may object)."
    ]
    for change in result.changes:
        flag = "!! " if change.needs_action else "   "
        lines.append(f"{flag}[{change.kind}] {change.description}")
        if change.services:
            lines.append(f"     services: {'; '.join(change.services)}")
            lines.append(f"     notify: {'; '.join(change.customers) or 'the controllers'}")
        if change.new_third_country_transfer:
            lines.append(f"     {_transfer_words(change)}")
        if change.source:
            lines.append(f"     source: {change.source}")
    return "\n".join(lines)


def _plain(change: Change) -> str:
    """A change in the words of a notice to customers, Markdown: every value from the data escaped."""
    subject, before, after = (escape_markdown(v) for v in (change.subject, change.before, change.after))
    description = escape_markdown(change.description)
    if change.kind == "subprocessor-added":
        text = f"We intend to engage **{subject}** ({after}) as a new sub-processor."
    elif change.kind == "subprocessor-replaced":
        text = f"We intend to replace {before} by **{subject}** ({after}) as sub-processor."
    elif change.kind == "subprocessor-moved":
        text = f"Sub-processor **{subject}** will process your data in {after} (previously {before})."
    elif change.kind == "subprocessor-removed":
        text = f"We no longer engage **{subject}** ({before}) as sub-processor."
    elif change.kind.startswith("safeguard"):
        text = f"Transfer safeguard: {description}."
    elif change.kind == "line-flipped":
        text = f"Description of processing, {description}."
    else:
        text = f"Retention: {description}."
    if change.new_third_country_transfer:
        countries, basis = escape_markdown(", ".join(change.countries)), escape_markdown(change.basis)
        if change.has_basis:
            text += f" Your data will be transferred outside the EU/EEA ({countries}) under: {basis}."
        else:
            text += (
                f" Your data will be transferred outside the EU/EEA ({countries}) "
                f"**without a Chapter V safeguard in place** ({basis})."
            )
    if change.source:
        text += f" _Source: {escape_markdown(change.source)}._"
    return text


def as_markdown(result: DiffResult) -> str:
    """A notice ready to send: per service, the intended changes, the right to object, the sources.

    Every value from the data (names, labels, the documents' words, the versions compared) is escaped
    (``untrusted.escape_markdown``, code spans by ``markdown_code``): a vendor's text cannot add HTML,
    links, headings, emphasis or table cells to the notice."""
    lines = ["# Notice of changes to the processing of your personal data (Article 28 GDPR)", ""]
    if not result.changes:
        old, new = escape_markdown(result.old), escape_markdown(result.new)
        return "\n".join([*lines, f"No change between {old} and {new}."])
    lines += [f"Compared: {markdown_code(result.old)} -> {markdown_code(result.new)}.", ""]
    by_service: dict[str, list[Change]] = defaultdict(list)
    for change in result.changes:
        for service in change.services or ("",):
            by_service[service].append(change)
    for service in sorted(by_service, key=lambda s: (s == "", s)):
        changes = by_service[service]
        if service:
            customers = sorted({c for ch in changes for c in ch.customers if c.endswith(f" of {service}")})
            to = ", ".join(escape_markdown(c) for c in customers) or "the controller"
            lines += [f"## {escape_markdown(service)}", "", f"To: {to} (controller).", ""]
        else:
            lines += ["## Other changes (policies not tied to one service)", ""]
        lines += [f"- {_plain(c)}" for c in changes]
        lines.append("")
        if service and any(c.needs_action for c in changes):
            lines += [
                "**Your right to object.** Under Article 28(2) GDPR you are informed of these intended "
                "changes before they take effect and may object to them. Please send any objection to "
                "your usual contact within the period set in your contract.",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def render(result: DiffResult, fmt: str = "text") -> str:
    """The result in one of FORMATS."""
    if fmt == "json":
        return as_json(result)
    if fmt == "markdown":
        return as_markdown(result)
    return as_text(result)
