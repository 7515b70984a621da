"""Characters that exist only in Traditional or only in Simplified Chinese.

Derived from OpenCC's own character tables (``STCharacters`` and ``TSCharacters``),
read out of the installed ``opencc`` package with its ``opencc_dict`` tool. A character
counts as Simplified-only when it is a key of the Simplified→Traditional table, never a
Traditional form of anything, and not itself a key of the Traditional→Simplified table;
Traditional-only is the mirror image. Characters valid in both scripts (干, 台, 著 …)
are in neither set, so they never tip a decision.

The sets are committed in ``script_chars.json`` so start-up needs no subprocess;
``python -m pipeline.normalize.tables`` regenerates it, and a test checks that the
committed file matches the installed OpenCC.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("script_chars.json")


@lru_cache(maxsize=1)
def script_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(traditional_only, simplified_only)."""
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return frozenset(data["traditional_only"]), frozenset(data["simplified_only"])


def _read_opencc_table(name: str) -> dict[str, list[str]]:
    import opencc

    clib = Path(opencc.__file__).parent / "clib"
    tool = clib / "bin" / "opencc_dict"
    source = clib / "share" / "opencc" / f"{name}.ocd2"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        env = dict(os.environ, LD_LIBRARY_PATH=str(clib / "lib64"))
        subprocess.run(
            [str(tool), "-i", str(source), "-o", str(out), "-f", "ocd2", "-t", "text"],
            check=True,
            env=env,
            capture_output=True,
        )
        table = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if len(key) == 1:
                table[key] = values.split()
        return table


def derive() -> dict[str, str]:
    st = _read_opencc_table("STCharacters")
    ts = _read_opencc_table("TSCharacters")
    traditional_forms = {v for values in st.values() for v in values}
    simplified_forms = {v for values in ts.values() for v in values}
    simplified_only = {k for k, v in st.items() if k not in v and k not in traditional_forms and k not in ts}
    traditional_only = {k for k, v in ts.items() if k not in v and k not in simplified_forms and k not in st}
    return {"traditional_only": "".join(sorted(traditional_only)), "simplified_only": "".join(sorted(simplified_only))}


def main() -> None:
    data = derive()
    TABLE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(
        f"{TABLE_FILE}: {len(data['traditional_only'])} Traditional-only, "
        f"{len(data['simplified_only'])} Simplified-only characters"
    )


if __name__ == "__main__":
    main()
