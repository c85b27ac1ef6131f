#!/usr/bin/python3
"""usage: scripts/rstcheck.py TREE FILE.rst...

Checks reStructuredText documents of the kernel tree TREE with Debian's docutils
(python3-docutils): every warning or error docutils gives is printed as FILE:LINE: and
makes the exit status 1. The Sphinx roles and directives the kernel's documentation
uses (:ref:, :c:func:, code-block, toctree, kernel-doc, ...) are known to Sphinx only:
here they are accepted as they are, their content still parsed. Each document must also
be listed in a toctree of its directory's index.rst, as the docs build requires.
"""
import re
import sys
from pathlib import Path

import docutils.core
import docutils.utils
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.directives.body import CodeBlock

SPHINX_ROLES = ("ref", "doc", "manpage", "c:func", "c:type", "c:macro", "c:member",
                "c:data", "c:enum", "c:struct", "c:union", "c:expr", "c:var", "kbd",
                "file", "command", "option", "envvar")
SPHINX_DIRECTIVES = ("toctree", "kernel-doc", "kernel-feat", "kernel-abi", "only",
                     "c:function", "c:type", "c:macro", "c:struct", "c:member",
                     "c:namespace", "highlight", "seealso", "versionadded")


class SphinxOnly(Directive):
    """A Sphinx directive: its arguments and options taken as given, its body parsed as
    reStructuredText, so that mistakes inside it are still reported."""
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        node = docutils.nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node,
                                match_titles=True)
        return [node]


def sphinx_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [docutils.nodes.literal(rawtext, text)], []


def register_sphinx():
    for name in SPHINX_ROLES:
        roles.register_local_role(name, sphinx_role)
    for name in SPHINX_DIRECTIVES:
        directives.register_directive(name, SphinxOnly)
    directives.register_directive("code-block", CodeBlock)


def parse_messages(path):
    """docutils' warnings and errors for one document, one line each."""
    settings = {"report_level": 5, "halt_level": 5, "syntax_highlight": "none",
                "file_insertion_enabled": False, "raw_enabled": False}
    doctree = docutils.core.publish_doctree(
        path.read_text(), source_path=str(path), settings_overrides=settings)
    # What parsing found is left in the tree as system_message nodes.
    messages = doctree.findall(docutils.nodes.system_message)
    return [node.astext().split("\n")[0] for node in messages
            if node["level"] >= docutils.utils.Reporter.WARNING_LEVEL]


def toctree_entries(text):
    """The entries of every toctree directive in a document's text."""
    entries, inside = set(), False
    for line in text.splitlines():
        if re.match(r"^\.\. toctree::", line):
            inside = True
        elif inside and line.strip() and not line[0].isspace():
            inside = False
        elif inside and line.strip() and not line.strip().startswith(":"):
            entries.add(line.strip())
    return entries


def in_toctree(tree, rel):
    """Is Documentation/DIR/NAME.rst named in a toctree of DIR/index.rst?"""
    path = Path(rel)
    index = tree / path.parent / "index.rst"
    if path.name == "index.rst" or not index.exists():
        return True
    entries = toctree_entries(index.read_text())
    return path.stem in entries or path.name in entries


def main(argv):
    if len(argv) < 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    tree = Path(argv[0])
    register_sphinx()
    bad = 0
    for rel in argv[1:]:
        for text in parse_messages(tree / rel):
            print(text.replace(f"{tree}/", ""))
            bad += 1
        if not in_toctree(tree, rel):
            print(f"{rel}: in no toctree of {Path(rel).parent / 'index.rst'}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
