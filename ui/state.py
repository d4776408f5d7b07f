"""Every session-state key the app uses, in one place."""

LANG = "app.lang"
AUTHED = "app.authed"
HOME_MODEL_PATH = "home.model_path"
HOME_MODEL_MSG = "home.model_msg"
