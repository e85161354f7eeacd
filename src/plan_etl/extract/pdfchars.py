"""pdfplumber pages whose characters cost a third less to read, with identical results.

Turning pdfminer's layout objects into pdfplumber's dicts was ~40 % of a page's parse on the
bench corpus, nearly all of it characters: `Page.process_object` runs every attribute of
every character through the generic `resolve_all` (built for PDF object references, which a
character's coordinates never are) and decodes the same colour-space name once per
character. `CharPage` builds the same dict for a character directly and decodes each
colour-space name once. Everything else (ruling, images, and any character that does not
look exactly as expected) still goes through pdfplumber's own code, so the output is the
same dict for dict; `tests/test_pdfchars.py` checks that on every page of the corpus.
"""

from __future__ import annotations

from typing import Any

from pdfminer.layout import LTChar, LTItem
from pdfplumber.page import Page
from pdfplumber.utils.pdfinternals import resolve_and_decode

# The attributes of a character as pdfminer makes it and pdfplumber's aggregator tags it
# (mcid, tag). A character with any other set (another pdfminer release) takes pdfplumber's
# generic path, so a library upgrade can cost speed but never change a value.
_CHAR_ATTRS = frozenset(
    {
        "_text",
        "matrix",
        "fontname",
        "ncs",
        "graphicstate",
        "adv",
        "upright",
        "x0",
        "y0",
        "x1",
        "y1",
        "width",
        "height",
        "bbox",
        "size",
        "mcid",
        "tag",
    }
)


class CharPage(Page):
    """A pdfplumber page with a direct path from pdfminer's characters to char dicts."""

    @classmethod
    def of(cls, page: Page) -> CharPage:
        """The same page of the same PDF, read through this class."""
        return cls(page.pdf, page.page_obj, page.page_number, page.initial_doctop)

    def process_object(self, obj: LTItem) -> dict[str, Any]:
        if (
            type(obj) is not LTChar
            or obj.__dict__.keys() != _CHAR_ATTRS
            or self.pdf.unicode_norm is not None
            or not isinstance(obj.fontname, str)
        ):
            return super().process_object(obj)
        return self._char(obj)

    def _char(self, obj: LTChar) -> dict[str, Any]:
        """What `Page.process_object` returns for a character, key for key and in its order."""
        graphics = obj.graphicstate
        stroking, non_stroking = graphics.scolor, graphics.ncolor
        mb_x0, mb_top = self.mediabox[:2]
        x0, x1 = obj.x0, obj.x1
        if mb_x0 != 0:
            x0, x1 = x0 + mb_x0, x1 + mb_x0
        top = (self.height - obj.y1) + mb_top
        return {
            "matrix": obj.matrix,
            "fontname": obj.fontname,
            "adv": obj.adv,
            "upright": obj.upright,
            "x0": x0,
            "y0": obj.y0,
            "x1": x1,
            "y1": obj.y1,
            "width": obj.width,
            "height": obj.height,
            "size": obj.size,
            "mcid": obj.mcid,  # type: ignore[attr-defined]  # set by pdfplumber's aggregator
            "tag": obj.tag,  # type: ignore[attr-defined]
            "object_type": "char",
            "page_number": self.page_number,
            "ncs": colour_space(obj.ncs.name),
            "text": obj._text,
            "stroking_color": stroking if isinstance(stroking, tuple) else (stroking,),
            "non_stroking_color": (
                non_stroking if isinstance(non_stroking, tuple) else (non_stroking,)
            ),
            "top": top,
            "bottom": (self.height - obj.y0) + mb_top,
            "doctop": self.initial_doctop + top,
        }


_COLOUR_SPACES: dict[str, str] = {}


def colour_space(name: Any) -> Any:
    """A colour space's decoded name, decoded once per process rather than per character."""
    if not isinstance(name, str):
        return resolve_and_decode(name)
    decoded = _COLOUR_SPACES.get(name)
    if decoded is None:
        decoded = _COLOUR_SPACES[name] = resolve_and_decode(name)
    return decoded
