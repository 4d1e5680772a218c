"""``sigmoid-neuron explore``: the interactive explorer page, one offline HTML file."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``explore`` subcommand."""
    parser = subparsers.add_parser(
        "explore",
        help="write the interactive gradient-descent explorer (one offline HTML page)",
        description=(
            "Write one self-contained HTML page (no network) where the sigmoid neuron "
            "learns by the notes' gradient descent: the error surface over (w, b) with "
            "the descent path, the sigmoid through the data, the loss by epoch, and the "
            "learning rule with the current numbers. Without --out the page is written "
            "to a new temporary folder and opened in the default browser. Every control "
            "can be set in the page's URL query, e.g. "
            "?loss=cross_entropy&w=-2&b=-2&eta=1&epochs=1000&run=1."
        ),
    )
    parser.add_argument(
        "--out", metavar="FILE.html", help="write the page here and do not open a browser"
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="your own 1-D data: a .csv or .parquet table, targets in [0, 1]",
    )
    parser.add_argument("--target", metavar="COL", help="with --data: the target column")
    parser.add_argument(
        "--feature",
        metavar="COL",
        help="with --data: the input column (default: the only other column)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the page (and open it without --out); 0 on success."""
    from pathlib import Path

    from sigmoid_neuron.explorer import load_dataset, write_page

    if args.out is not None and Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--out must name an .html file, got {args.out!r}; e.g. explorer.html")
    if args.data is None and (args.target is not None or args.feature is not None):
        raise ValueError("--target and --feature apply to --data FILE; pass --data too")
    if args.data is not None and args.target is None:
        raise ValueError("--data needs --target COL, the column of targets in [0, 1]")
    user = load_dataset(args.data, args.target, args.feature) if args.data else None
    if args.out is not None:
        path = write_page(args.out, user)
        print(f"wrote {path}")
        return 0
    import tempfile
    import webbrowser

    folder = Path(tempfile.mkdtemp(prefix="sigmoid-neuron-explore-"))
    path = write_page(folder / "explorer.html", user)
    uri = path.resolve().as_uri()
    print(f"wrote {path}")
    if webbrowser.open(uri):
        print(f"opened {uri} in the default browser")
    else:
        print(f"no browser could be started; open {uri} yourself")
    return 0
