"""The last step of a merge: the finished ``.partial`` folder takes the merged folder's name; a merged
folder already there is kept as ``<name>.previous-<time>``.

Usage: ``python finalize_merge.py TMP FINAL``."""

import os
import sys
import time


def main(tmp: str, final: str) -> None:
    if os.path.exists(final):
        os.replace(final, final + ".previous-" + time.strftime("%Y%m%d-%H%M%S"))
    os.replace(tmp, final)
    print("merged model ready:", final)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
