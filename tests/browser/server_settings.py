"""Settings for the Daphne process the browser tests talk to: the project's own settings, pointed at the
test database the pytest process created, and hashing passwords the way the tests do (both come from the
pytest process in LINEWALK_TEST_SETTINGS, see conftest.server)."""

import json
import os

from settings import *  # noqa: F403
from settings import DATABASES

_from_tests = json.loads(os.environ["LINEWALK_TEST_SETTINGS"])
DATABASES["default"]["NAME"] = _from_tests["DATABASE_NAME"]
DATABASES["default"].update(_from_tests.get("DATABASE", {}))
PASSWORD_HASHERS = _from_tests["PASSWORD_HASHERS"]
