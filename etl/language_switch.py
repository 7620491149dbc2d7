"""The language switch of hsct's bilingual pages (the night page, the reproduction report).

Both languages are in the page; `<html data-show="ru|en">` and CSS show one. `script(titles)` is the
inline `<script>` element (no network) that the `.switch button[data-lang]` buttons drive: it sets
`data-show`, `lang` and the title, marks the pressed button, and follows `#ru` / `#en` in the URL.
"""

from __future__ import annotations

import json

from etl.messages import Lang

SCRIPT = """<script>
(function () {
  var titles = %s;
  function show(lang) {
    var root = document.documentElement;
    root.setAttribute('data-show', lang);
    root.setAttribute('lang', lang);
    document.title = titles[lang];
    document.querySelectorAll('.switch button').forEach(function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-lang') === lang ? 'true' : 'false');
    });
  }
  document.querySelectorAll('.switch button').forEach(function (b) {
    b.addEventListener('click', function () { show(b.getAttribute('data-lang')); });
  });
  if (location.hash === '#en' || location.hash === '#ru') { show(location.hash.slice(1)); }
})();
</script>"""


def script(titles: dict[Lang, str]) -> str:
    """The `<script>` element switching between the languages; `titles`: the page title per language."""
    return SCRIPT % json.dumps(titles, ensure_ascii=False).replace("</", "<\\/")
