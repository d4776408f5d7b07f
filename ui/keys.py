"""Every session-state key the pages and ui/ modules index, in one module: one class per page.

A class per page keeps the keys grouped as their values are ("dataset.…", "chat.…"), lets the same
short name live on several pages (``Dataset.FORM``, ``Chat.HISTORY``) and lets a page or its panels
read ``from ui.keys import Dataset as K`` and write ``K.FORM``. Widget keys appear here when code also
reads or sets them through ``st.session_state``; other widget keys stay with their widget as
``"page.widget"`` literals. tests/unit/test_structure.py holds that no page or ui module indexes
``st.session_state`` with a literal.
"""

from __future__ import annotations


class App:
    LANG = "app.lang"  # the interface language
    AUTHED = "app.authed"  # the password was given in this session
    FLASH = "app.flash"  # (kind, text) shown once after the rerun that follows an action (ui.flash)


class Home:
    MODEL_PATH = "home.model_path"  # the model folder field


class Dataset:
    # Form widgets whose values survive visits to other pages (kept in FORM as well)
    OWNER = "dataset.owner"
    NAME = "dataset.name"
    DESC_ZH = "dataset.desc_zh"
    DESC_EN = "dataset.desc_en"
    LANGS = "dataset.langs"
    MODE = "dataset.mode"
    TUTORIAL_N = "dataset.tutorial_n"
    REPEAT = "dataset.repeat"
    SHARE = "dataset.share"
    # Other widgets the code reads or sets
    PREVIEW_INDEX = "dataset.preview_index"
    IMPORT_PATH = "dataset.import_path"
    IMPORT_TARGET = "dataset.import_target"
    # Page state
    LOADED = "dataset.s.loaded"  # the builder state was read from disk for this session
    FORM = "dataset.s.form"  # shadow copy of the form widgets (widget state is dropped on page change)
    ROWS = "dataset.s.rows"  # the Q&A table's base rows (the editor shows these plus its own edits)
    ROWS_FOR = "dataset.s.rows_for"  # the identity the base rows were filled with
    ROWS_SHADOW = "dataset.s.rows_shadow"  # the table as last shown, edits included
    ROWS_STALE = "dataset.s.rows_stale"  # some answers may still use old form values
    EDITOR_VERSION = "dataset.s.editor_version"  # bumped to give the editor fresh base rows
    GENERAL = "dataset.s.general"  # imported general conversations (XTuner records)
    GENERAL_VERSION = "dataset.s.general_version"  # bumped whenever GENERAL changes (cache key)
    PENDING = "dataset.s.pending"  # an import waiting for "keep valid rows" / "cancel"
    UPLOAD_SEEN = "dataset.s.upload_seen"  # file id of the upload already read
    UPLOAD_VERSION = "dataset.s.upload_version"  # bumped to show an empty uploader after an import ends
    BUILD = "dataset.s.build"  # the built dataset of the current inputs (core.dataset_build.Built)
    CHECK_OUTPUT = "dataset.s.check_output"  # (exit code, output) of check-custom-dataset
    DISK_SIG = "dataset.s.disk_sig"  # content hash of the saved file when this page last read or wrote it
    SAVE_ASK = "dataset.s.save_ask"  # the file changed on disk since: saving waits for "save anyway"


class Config:
    FIELD = "config.f."  # prefix of the form's widgets; FIELD + name, e.g. "config.f.max_length"
    MAX_LENGTH = "config.f.max_length"
    METHOD = "config.f.method"
    PRECISION = "config.f.precision"
    CKPT = "config.f.ckpt"
    HALF = "config.f.half"
    ATTENTION = "config.f.attention"
    HARDWARE = "config.f.hardware"
    BATCH_SIZE = "config.f.batch_size"
    ACCUMULATIVE_COUNTS = "config.f.accumulative_counts"
    LOADED = "config.loaded"  # the preset and file the form's widgets were filled from


class Train:
    STARTED = "train.started_run"  # the run this tab started, confirmed while it runs
    DELETE_CONFIRM = "train.delete_confirm"  # the delete checkbox, unticked after a delete
    OPEN = "train.open"  # the run viewer's selectbox
    FOLLOW = "train.follow"  # a run the viewer is to show on its next render (set by start, stop, resume, end)
    WATCHING = "train.watching"  # the running training this tab last showed


class Convert:
    ZIP_BYTES = "convert.zip_bytes"  # (run name, the adapter zipped) for the download button


class Chat:
    # Widgets
    VIEW = "chat.view"
    AFTER = "chat.after"
    BEFORE = "chat.before"
    BEFORE_PATH = "chat.before_path"
    AFTER_PATH = "chat.after_path"
    AFTER_ADAPTER_PATH = "chat.after_adapter_path"
    TEMPLATE = "chat.template"
    SYSTEM = "chat.system"
    DEVICE = "chat.device"
    DTYPE = "chat.dtype"
    MAX_NEW_TOKENS = "chat.max_new_tokens"
    GREEDY = "chat.greedy"
    TEMPERATURE = "chat.temperature"
    TOP_P = "chat.top_p"
    TOP_K = "chat.top_k"
    REPETITION_PENALTY = "chat.repetition_penalty"
    SEED = "chat.seed"
    CLEAR = "chat.clear"
    RELEASE = "chat.release"
    EXAMPLE = "chat.example.{i}"
    INPUT = "chat.input"
    SC_NAMES = "chat.sc_names"
    SC_IDENTITY = "chat.sc_identity"
    SC_GENERAL = "chat.sc_general"
    SC_RUN = "chat.sc_run"
    SC_DOWNLOAD = "chat.sc_download"
    # Page state
    HISTORY = {"before": "chat.history_before", "after": "chat.history_after"}
    SIDES_SIGNATURE = "chat.sides_signature"  # what both sides chat with; history is cleared when it changes
    DEFAULTS_FOR = "chat.defaults_for"  # the run whose template, system and names fill the inputs
    SCORECARD = "chat.scorecard"


PAGES = (App, Home, Dataset, Config, Train, Convert, Chat)
