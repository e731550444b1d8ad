"""Block Kit as the lines a person reads: what the demo and the console print for bot posts.

Only the layout blocks the bot uses are drawn (header, section, fields, context, actions,
divider, input, image); text objects go through `render` so mentions become names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Render = Callable[[str], str]
Block = Mapping[str, Any]


def _text(obj: Any, render: Render) -> str:
    if not isinstance(obj, Mapping):
        return ""
    raw = str(obj.get("text") or "")
    return render(raw) if obj.get("type") == "mrkdwn" else raw


def element_label(element: Block) -> str:
    """How an interactive element looks: `[Confirm]`, `[Choose a language ▾]`."""
    label = _text(element.get("text") or element.get("placeholder"), str)
    kind = str(element.get("type", ""))
    if kind == "button":
        return f"[{label}]"
    return f"[{label or kind} ▾]"


def _rich_text(elements: Sequence[Any]) -> str:
    out: list[str] = []
    for element in elements:
        if not isinstance(element, Mapping):
            continue
        if "elements" in element:
            out.append(_rich_text(element["elements"]))
        elif element.get("type") == "user":
            out.append(f"@{element.get('user_id', '')}")
        else:
            out.append(str(element.get("text") or element.get("url") or ""))
    return "".join(out)


def block_lines(block: Block, render: Render) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"== {_text(block.get('text'), render)} =="]
    if kind == "section":
        lines = _text(block.get("text"), render).splitlines()
        fields = [" ".join(_text(f, render).split()) for f in block.get("fields") or []]
        if fields:
            lines.append(" | ".join(fields))
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping) and "action_id" in accessory:
            lines.append(element_label(accessory))
        return lines
    if kind == "context":
        parts = [
            _text(e, render) or f"[{e.get('alt_text', 'image')}]"
            for e in block.get("elements") or []
        ]
        return [" · ".join(p for p in parts if p)]
    if kind == "actions":
        return [" ".join(element_label(e) for e in block.get("elements") or [])]
    if kind == "divider":
        return ["────"]
    if kind == "input":
        element = block.get("element") or {}
        return [f"{_text(block.get('label'), render)}: {element_label(element)}"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return _rich_text(block.get("elements") or []).splitlines()
    return []


def blocks_text(blocks: Sequence[Block], render: Render) -> str:
    """The blocks as text, one or more lines per block, empty lines dropped."""
    lines = [line for block in blocks for line in block_lines(block, render)]
    return "\n".join(line for line in lines if line.strip())


def buttons(blocks: Sequence[Block]) -> list[Block]:
    """Every button in the blocks (actions blocks and section accessories), in order."""
    found: list[Block] = []
    for block in blocks:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), Mapping):
            elements.append(block["accessory"])
        found.extend(e for e in elements if e.get("type") == "button")
    return found
