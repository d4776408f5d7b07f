"""An uploaded file's deep copy (what Streamlit hands the script each run) shares the upload's bytes."""

from __future__ import annotations

import io
import sys
from copy import deepcopy

from streamlit.runtime.state.session_state import SessionState
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

import ui.uploader  # noqa: F401  (gives UploadedFile its deep copy)

DATA = bytes(range(256)) * 40_000  # 10 MB


def _upload() -> UploadedFile:
    return UploadedFile(UploadedFileRec("fid", "big.json", "application/json", DATA), None)


def test_plain_bytesio_deep_copy_copies_the_bytes():
    """Why the app gives UploadedFile its own: Python's deep copy of a BytesIO owns a new buffer."""
    class Plain(io.BytesIO):
        pass

    plain = Plain(DATA)
    assert sys.getsizeof(plain) < 1_000  # shares DATA
    assert sys.getsizeof(deepcopy(plain)) > len(DATA)


def test_streamlit_still_deep_copies_widget_values():
    """Streamlit's register_widget returns a deep copy of the value; if that goes, so can our copy."""
    import inspect

    assert "deepcopy(widget_value)" in inspect.getsource(SessionState.register_widget)


def test_deep_copy_shares_the_bytes_and_stays_independent():
    up = _upload()
    up.seek(5)
    copy = deepcopy(up)
    assert copy is not up and isinstance(copy, UploadedFile)
    assert sys.getsizeof(copy) < 1_000 and sys.getsizeof(up) < 1_000  # one buffer for both
    assert (copy.file_id, copy.name, copy.type, copy.size, copy.tell()) == ("fid", "big.json", "application/json",
                                                                          len(DATA), 5)
    assert copy.getvalue() == DATA
    copy.seek(0)
    copy.write(b"changed")  # the copy takes its own buffer; the upload is untouched
    assert up.getvalue() == DATA and up.tell() == 5
    assert copy.getvalue()[:7] == b"changed"
    assert up.read(3) == DATA[5:8]


def test_deep_copy_inside_a_container_keeps_one_copy_per_file():
    up = _upload()
    pair = deepcopy([up, up])
    assert pair[0] is pair[1] and pair[0] is not up
