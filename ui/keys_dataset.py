"""Session-state keys of the dataset page (its widget keys are "dataset.<widget>" literals)."""

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
BUILD = "dataset.s.build"  # the built dataset of the current inputs, with its problems and stats
CHECK_OUTPUT = "dataset.s.check_output"  # (exit code, output) of check-custom-dataset
FLASH = "dataset.s.flash"  # (kind, message) to show once after a rerun
DISK_SIG = "dataset.s.disk_sig"  # content hash of the saved file when this page last read or wrote it
SAVE_ASK = "dataset.s.save_ask"  # the file changed on disk since: saving waits for "save anyway"
