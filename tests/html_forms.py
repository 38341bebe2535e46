"""A page's forms as a browser would post them: inputs, checked boxes, text areas and the
options selected. For the view tests of pages with more than text inputs (the import preview).
"""

from __future__ import annotations

from html.parser import HTMLParser


class Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: tuple[str, str] | None = None
        self._selected = False
        self._option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": attrs.get("action"), "enctype": attrs.get("enctype"), "fields": []}
            )
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            fields.append(
                [name, attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")]
            )
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append([name, ""])
        elif tag == "select" and name:
            self._select, self._selected = name, False
            self._first_option = None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = (self._select, value)
            if "selected" in attrs and not self._selected:
                fields.append([self._select, value])
                self._selected = True

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._selected and self._first_option:
                self.forms[-1]["fields"].append(list(self._first_option))
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            field = self.forms[-1]["fields"][-1]
            field[1] += data


def form_data(html: str, index: int = -1) -> dict[str, str]:
    """The fields of the page's form `index` (the last by default), as a dict; a textarea's
    first line break, which HTML drops, is dropped too."""
    parser = Forms()
    parser.feed(html)
    fields = parser.forms[index]["fields"]
    return {name: value.removeprefix("\n") for name, value in fields}


def preview_of(client, response):
    """The preview page a post to the import page led to: (its address, the page)."""
    assert response.status_code == 302, response.content.decode()[:2000]
    url = response["Location"]
    return url, client.get(url)


def submit(client, response, button: str = "confirm"):
    """Press a button of the preview a post to the import page led to, as a browser does:
    every field of its form as shown, and the button pressed ("confirm", "replace", …)."""
    url, page = preview_of(client, response)
    data = form_data(page.content.decode())
    data["do"] = button
    return client.post(url, data)
