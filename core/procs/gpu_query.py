"""Print this machine's GPUs as torch sees them, as one line of JSON:
``{"cuda": "12.4", "gpus": [{"name", "free", "total", "bf16"}, ...]}`` (run apart: importing torch is slow)."""

import json

import torch


def main() -> None:
    out = {"cuda": torch.version.cuda, "gpus": []}
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(i)
            out["gpus"].append({"name": torch.cuda.get_device_name(i), "free": free, "total": total,
                                "bf16": torch.cuda.is_bf16_supported()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
