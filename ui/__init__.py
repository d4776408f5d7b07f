"""Streamlit helpers shared by the pages: strings, session keys, the workspace handle."""
