"""Load an XTuner config with mmengine and print the values of some keys (the app's check of a config).

Usage: ``python load_config.py CONFIG '["key", ...]'``; prints one line ``@@VALUES@@{json}`` (values that
are not JSON as their repr), or mmengine's error and no such line."""

import json
import sys

from mmengine.config import Config

MARK = "@@VALUES@@"


def main(path: str, keys_json: str) -> None:
    cfg = Config.fromfile(path)
    out = {}
    for k in json.loads(keys_json):
        v = cfg.get(k, None)
        try:
            json.dumps(v)
            out[k] = v
        except TypeError:
            out[k] = repr(v)
    print(MARK + json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
