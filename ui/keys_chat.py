"""Session-state and widget keys of the chat compare page (pages/chat.py), in one place."""

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
