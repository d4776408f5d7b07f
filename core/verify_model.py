"""Check a merged model folder: it loads with its tokenizer and answers a question.

Run as the last step of a convert job (``python core/verify_model.py FOLDER TEMPLATE
SYSTEM QUESTION...``) so the model is loaded in that job's process, not in the app. Prints each
question and its answer (one ``VERIFY_QUESTION``/``VERIFY_ANSWER`` pair per question, the answer
on one line) and ``VERIFY_OK``, or explains what is wrong and exits non-zero. Whether the answers
show the identity was learnt is :mod:`core.learning`'s judgement, made in the app.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    folder, template, system, questions = argv[0], argv[1] or None, argv[2], argv[3:]
    repo = str(Path(__file__).resolve().parents[1])
    if repo not in sys.path:  # run as a script: make the app's core importable, keep PYTHONPATH as it is
        sys.path.insert(0, repo)
    from core import chat

    try:
        loaded = chat.load(Path(folder), device="cpu")
    except chat.ModelLoadError as exc:
        print(f"VERIFY_FAILED: {exc}", flush=True)
        return 3
    if loaded.tokenizer is None or not loaded.tokenizer.get_vocab():
        print("VERIFY_FAILED: the tokenizer is missing", flush=True)
        return 4
    for question in questions:
        answer = chat.answer(loaded, question, template_name=template, system=system,
                             settings=chat.GenerationSettings(max_new_tokens=96))
        print(f"VERIFY_QUESTION: {question}", flush=True)
        print(f"VERIFY_ANSWER: {' '.join(answer.splitlines())}", flush=True)
    print("VERIFY_OK", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
