"""What the machine trains on, for pages that count or plan: a GPU count only where there are GPUs."""

from __future__ import annotations

import streamlit as st

from core import sysinfo
from ui.i18n import t


@st.cache_data(ttl=300, show_spinner=False)
def gpu_count() -> int:
    return len(sysinfo.gpu_info()[0])


def gpus_for_counting(col, key: str) -> int:
    """The number of GPUs the step counts are for: asked in ``col`` on a machine with GPUs; on one
    without, training is one process on the CPU, and ``col`` says so instead of offering a count."""
    with st.spinner(t("sys.checking_gpu")):
        found = gpu_count()
    if not found:
        col.metric(t("dataset.hw_cpu"), t("dataset.hw_cpu_value"), help=t("dataset.hw_cpu_help"))
        return 1
    return int(col.number_input(t("dataset.gpus"), min_value=1, max_value=64, value=1, key=key))
