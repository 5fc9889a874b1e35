"""Authentik 2024.12.5's HTML page for an unknown path, as recorded (file 06).

The recordings keep the first 2,000 characters; the rest closes the document as 2025.10.3's
page does (``pages.NOT_FOUND_PAGE``).
"""

from __future__ import annotations

from . import pages

_OWN_LINES = (
    "",
    "",
    "",
    "",
    "<!DOCTYPE html>",
    "",
    "<html>",
    "    <head>",
    '        <meta charset="UTF-8">',
    '        <meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">',
    "        <title>",
    "authentik",
    "</title>",
    '        <link rel="icon" href="/static/dist/assets/icons/icon.png">',
    '        <link rel="shortcut icon" href="/static/dist/assets/icons/icon.png">',
    "        ",
    '<link rel="prefetch" href="/static/dist/assets/images/flow_background.jpg" />',
    '<link rel="stylesheet" type="text/css" href="/static/dist/patternfly.min.css">',
    '<link rel="stylesheet" type="text/css" href="/static/dist/theme-dark.css"'
    ' media="(prefers-color-scheme: dark)">',
    "",
    "",
    "",
    "<script>",
    "    window.authentik = {",
    '        locale: "en-us",',
    "        config: JSON.parse(''),",
    "        brand: JSON.parse(''),",
    '        versionFamily: "",',
    '        versionSubdomain: "",',
    '        build: "",',
    "        api: {",
    '            base: "",',
    "        },",
    "    };",
    '    window.addEventListener("DOMContentLoaded", function () {',
    "        ",
    "    });",
    "</script>",
    "",
    "",
    '        <link rel="stylesheet" type="text/css" href="/static/dist/authentik.css">',
    '        <link rel="stylesheet" type="text/css" href="/static/dist/custom.css" data-inject>',
    '        <script src="/static/dist/poly-2024.12.5.js" type="module"></script>',
    '        <script src="/static/dist/standalone/loading/index-2024.12.5.js"'
    ' type="module"></script>',
    "        ",
    "<style>",
    ":root {",
    '    --ak-flow-background: url("/static/dist/assets/images/flow_background.jpg");',
    "    --pf-c-background-image--BackgroundImage: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage-2x: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage--sm: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage--sm-2x: var(--ak-flow-background);",
    "    --pf-c-background-image--BackgroundImage--lg: var(--ak-flow-background);",
    "}",
    "/* Form with user */",
    ".form-control-static {",
    "    margin-top: var(--pf-global--spacer--sm);",
    "    display: flex;",
    "    align-items: center;",
    "    justify-content: space-between;",
    "}",
    ".form-control-static img {",
    "    margin-right: var(--pf-global--spacer--xs);",
)
# The document closes as 2025.10.3's does (the recording keeps its first 2,000 characters).
_LINES = (*_OWN_LINES, *pages.NOT_FOUND_TAIL)
PAGE = "\n".join(_LINES)
