"""Telegram-compatible parsing of ``parse_mode`` text into plain text + entities.

The parsers follow the behaviour of TDLib's ``parse_html``, ``parse_markdown_v2`` and
``parse_markdown`` closely enough that malformed markup is rejected with the same
"can't parse entities: ..." descriptions the real Bot API returns, and well-formed markup
yields the plain text a Telegram client shows (``Message.text``) with UTF-16 based entities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EntityParseError", "format_text", "strip_text", "utf16_len"]

_ASCII_SPACE = " \t\n\r\x0b\x0c"


class EntityParseError(ValueError):
    """Raised with the TDLib description (without the "Bad Request: can't parse entities: " prefix)."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    offset: int = 0  # UTF-16 offset of the end of the result
    entities: list[dict[str, Any]] = field(default_factory=list)

    def append(self, chunk: str) -> None:
        if chunk:
            self.parts.append(chunk)
            self.offset += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)

    def text_since(self, utf16_offset: int) -> str:
        encoded = self.text().encode("utf-16-le")
        return encoded[utf16_offset * 2 :].decode("utf-16-le")

    def add_entity(self, entity_type: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": entity_type, "offset": start, "length": length}
        entity.update({key: value for key, value in extra.items() if value is not None})
        self.entities.append(entity)


def _sorted_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --------------------------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
}
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """``text[pos] == '&'``; returns (character, position after the entity) or None."""
    end = pos + 1
    code: int
    if end < len(text) and text[end] == "#":
        end += 1
        if end < len(text) and text[end] in "xX":
            end += 1
            match = re.match(r"[0-9a-fA-F]+", text[end:])
            if not match:
                return None
            code = int(match.group(0)[:8], 16)
        else:
            match = re.match(r"[0-9]+", text[end:])
            if not match:
                return None
            code = int(match.group(0)[:8])
        end += len(match.group(0))
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        match = re.match(r"[a-zA-Z]+", text[end:])
        if not match or match.group(0) not in _NAMED_HTML_ENTITIES:
            return None
        char = _NAMED_HTML_ENTITIES[match.group(0)]
        end += len(match.group(0))
    if end < len(text) and text[end] == ";":
        end += 1
    return char, end


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    # (tag name, argument, utf16 offset, start index)
    stack: list[tuple[str, str, int, int]] = []
    n = len(text)

    def at(index: int) -> str:
        return text[index] if index < n else "\0"

    def err(message: str) -> EntityParseError:
        return EntityParseError(message)

    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in _ASCII_SPACE + "\0>":
                i += 1
            if at(i) == "\0":
                raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise err(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            argument = ""
            while at(i) != ">":
                while at(i) != "\0" and at(i) in _ASCII_SPACE:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _ASCII_SPACE + "=\0>":
                    i += 1
                attr_name = text[attr_begin:i].lower()
                if not attr_name:
                    raise err(
                        f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                    )
                while at(i) != "\0" and at(i) in _ASCII_SPACE:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                        continue
                    raise err(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {_byte_offset(text, begin)}"
                    )
                i += 1
                while at(i) != "\0" and at(i) in _ASCII_SPACE:
                    i += 1
                if at(i) == "\0":
                    raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                value_chars: list[str] = []
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _ASCII_SPACE + ">" or at(i) == "\0":
                        raise err(
                            f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}"
                        )
                else:
                    quote = text[i]
                    i += 1
                    while at(i) != quote and at(i) != "\0":
                        if at(i) == "&":
                            decoded = _decode_html_entity(text, i)
                            if decoded is not None:
                                value_chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        value_chars.append(text[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(value_chars)
                if at(i) == "\0":
                    raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                if (tag == "a" and attr_name == "href") or (tag == "tg-emoji" and attr_name == "emoji-id"):
                    argument = value
                elif (tag == "code" and attr_name == "class" and value.startswith("language-")) or (
                    tag == "span" and attr_name == "class" and value.startswith("tg-")
                ):
                    argument = value.split("-", 1)[1]
                elif tag == "blockquote" and attr_name == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise err(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
                )
            stack.append((tag, argument, out.offset, begin))
            i += 1  # skip '>'
            continue

        # end tag
        if not stack:
            raise err(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        name_begin = i
        while at(i) not in _ASCII_SPACE + "\0>":
            i += 1
        end_tag = text[name_begin:i]
        while at(i) != "\0" and at(i) in _ASCII_SPACE:
            i += 1
        if at(i) != ">":
            raise err(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        tag, argument, start, _ = stack.pop()
        if end_tag and end_tag.lower() != tag:
            raise err(
                f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        if tag in _HTML_ENTITY_TYPES:
            out.add_entity(_HTML_ENTITY_TYPES[tag], start)
        elif tag == "a":
            url = argument or out.text_since(start)
            if url:
                out.add_entity("text_link", start, url=url)
        elif tag == "tg-emoji":
            if argument:
                out.add_entity("custom_emoji", start, custom_emoji_id=argument)
        elif tag == "blockquote":
            out.add_entity("expandable_blockquote" if argument else "blockquote", start)
        elif tag == "pre":
            # <pre><code class="language-x">...</code></pre> becomes a single pre entity with a language
            language = None
            for entity in list(out.entities):
                if (
                    entity["type"] == "code"
                    and entity.get("_language")
                    and entity["offset"] == start
                    and entity["offset"] + entity["length"] == out.offset
                ):
                    language = entity["_language"]
                    out.entities.remove(entity)
            out.add_entity("pre", start, language=language)
        elif tag == "code":
            out.add_entity("code", start, _language=argument or None)
    if stack:
        raise err(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in out.entities:
        entity.pop("_language", None)
    return out.text(), _sorted_entities(out.entities)


# -------------------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    # (type, argument, utf16 offset, byte offset of the opening sequence)
    stack: list[tuple[str, str, int, int]] = []
    n = len(text)
    quote_start: int | None = None

    def at(index: int) -> str:
        return text[index] if index < n else "\0"

    i = 0
    while i < n:
        c = text[i]
        in_code = bool(stack) and stack[-1][0] in ("code", "pre", "pre_code")
        at_line_start = i == 0 or text[i - 1] == "\n"
        if c == "\\" and 0 < ord(at(i + 1)) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        if c == ">" and at_line_start and not in_code:
            if quote_start is None:
                quote_start = out.offset
            i += 1
            continue
        if c == "\n" and quote_start is not None and at(i + 1) != ">":
            out.add_entity("blockquote", quote_start)
            quote_start = None
        reserved = "`" if in_code else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            i += 1
            continue

        is_end = False
        if stack:
            top = stack[-1][0]
            is_end = {
                "bold": c == "*",
                "italic": c == "_" and at(i + 1) != "_",
                "code": c == "`",
                "pre": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
                "pre_code": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
                "text_link": c == "]",
                "underline": c == "_" and at(i + 1) == "_",
                "strikethrough": c == "~",
                "spoiler": c == "|" and at(i + 1) == "|",
                "custom_emoji": c == "]",
            }[top]

        if not is_end:
            entity_byte_offset = _byte_offset(text, i)
            argument = ""
            if c == "_":
                if at(i + 1) == "_":
                    entity_type = "underline"
                    i += 1
                else:
                    entity_type = "italic"
            elif c == "*":
                entity_type = "bold"
            elif c == "~":
                entity_type = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise _reserved_error(c)
                entity_type = "spoiler"
                i += 1
            elif c == "[":
                entity_type = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    i += 3
                    entity_type = "pre"
                    language_end = i
                    while at(language_end) not in _ASCII_SPACE + "`\0":
                        language_end += 1
                    if i != language_end and language_end < n and text[language_end] != "`":
                        entity_type = "pre_code"
                        argument = text[i:language_end]
                        i = language_end
                    if at(i) in "\r\n" and at(i) != "\0":
                        i += 2 if (at(i + 1) in "\r\n" and at(i + 1) != "\0" and at(i) != at(i + 1)) else 1
                    stack.append((entity_type, argument, out.offset, entity_byte_offset))
                    continue
                entity_type = "code"
            elif c == "!" and at(i + 1) == "[":
                entity_type = "custom_emoji"
                i += 1
            else:
                raise _reserved_error(c)
            stack.append((entity_type, argument, out.offset, entity_byte_offset))
            i += 1
            continue

        entity_type, argument, start, _ = stack.pop()
        if entity_type in ("underline", "spoiler"):
            i += 1
        elif entity_type in ("pre", "pre_code"):
            i += 2
        elif entity_type in ("text_link", "custom_emoji"):
            url_chars: list[str] = []
            if at(i + 1) == "(":
                i += 2
                url_begin = i
                while i < n and text[i] != ")":
                    if text[i] == "\\" and 0 < ord(at(i + 1)) <= 126:
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                    )
            elif entity_type == "custom_emoji":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            else:
                url_chars.append(out.text_since(start))
            argument = "".join(url_chars)
        i += 1
        if entity_type == "pre_code":
            out.add_entity("pre", start, language=argument or None)
        elif entity_type == "text_link":
            if argument:
                out.add_entity("text_link", start, url=argument)
        elif entity_type == "custom_emoji":
            emoji_id = argument.split("id=", 1)[1] if "id=" in argument else ""
            if not emoji_id:
                raise EntityParseError("Custom emoji URL must have an emoji identifier")
            out.add_entity("custom_emoji", start, custom_emoji_id=emoji_id)
        else:
            out.add_entity(entity_type, start)
    if stack:
        entity_type, _, _, byte_offset = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_TYPE_NAMES[entity_type]} entity at byte offset {byte_offset}"
        )
    if quote_start is not None:
        out.add_entity("blockquote", quote_start)
    return out.text(), _sorted_entities(out.entities)


# ---------------------------------------------------------------------------------- legacy Markdown


def _parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    n = len(text)

    def at(index: int) -> str:
        return text[index] if index < n else "\0"

    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and at(i + 1) in "_*`[" and at(i + 1) != "\0":
            out.append(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            is_pre = True
            language_end = i
            while at(language_end) not in _ASCII_SPACE + "`\0":
                language_end += 1
            if i != language_end and language_end < n and text[language_end] != "`":
                language = text[i:language_end]
                i = language_end
            if at(i) in "\r\n" and at(i) != "\0":
                i += 2 if (at(i + 1) in "\r\n" and at(i + 1) != "\0" and at(i) != at(i + 1)) else 1
        start = out.offset
        while i < n and (text[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))):
            out.append(text[i])
            i += 1
        if i == n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        if c == "_":
            out.add_entity("italic", start)
        elif c == "*":
            out.add_entity("bold", start)
        elif c == "[":
            url_chars: list[str] = []
            if at(i + 1) == "(":
                i += 2
                while i < n and text[i] != ")":
                    url_chars.append(text[i])
                    i += 1
            url = "".join(url_chars)
            if url:
                out.add_entity("text_link", start, url=url)
        elif is_pre:
            out.add_entity("pre", start, language=language or None)
            i += 2
        else:
            out.add_entity("code", start)
        i += 1
    return out.text(), _sorted_entities(out.entities)


# ------------------------------------------------------------------------------------------ public


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace like Telegram does, shifting and clipping entities."""
    stripped = text.strip(_ASCII_SPACE)
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip(_ASCII_SPACE))])
    total = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(0, int(entity["offset"]) - lead)
        end = min(total, int(entity["offset"]) + int(entity["length"]) - lead)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def format_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) as Telegram stores them; raises EntityParseError / ValueError."""
    if entities is not None:
        plain, parsed = text, [dict(entity) for entity in entities]
    elif not parse_mode:
        plain, parsed = text, []
    else:
        mode = parse_mode.lower()
        if mode == "html":
            plain, parsed = _parse_html(text)
        elif mode == "markdownv2":
            plain, parsed = _parse_markdown_v2(text)
        elif mode == "markdown":
            plain, parsed = _parse_markdown(text)
        else:
            raise ValueError("unsupported parse_mode")
    return strip_text(plain, parsed)
