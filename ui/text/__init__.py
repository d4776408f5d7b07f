"""Per-page strings. Each module here defines ``STRINGS = {key: {"zh": ..., "en": ...}}``;
:mod:`ui.i18n` merges them all, so every string still goes through ``t()``."""
