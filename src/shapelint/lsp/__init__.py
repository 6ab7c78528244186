"""The language server (``shapelint lsp``), behind the optional extra ``shapelint[lsp]``.

``server`` wires pygls; ``session`` keeps the analysis state; ``convert`` turns findings
into diagnostics; ``actions`` makes quick fixes; ``shapes`` answers hover and inlay hints.
Nothing here is imported by ``shapelint check``.
"""
