"""Quality selection: a user in 50 organisations with 8 tools against a user in 1 organisation.

Both users live in the same SQLite database, filled in the same run through the services
(recognitions from the example registers, every built-in tool registered in every
organisation). Each round asks ``platform.tools.qualities`` for each of the 8 tools — what
the quality selection screen shows at each tool start — once for each user, interleaved. The
listing costs a constant number of queries whatever the number of organisations, so the
ratio must stay small. Goal: at most 2x.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_quality.py``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleave, report, timed

from immo_connect.config import load_settings
from immo_connect.platform import Platform, create_platform
from tests.support.factories import make_account, make_organisation
from tests.support.tools import AGENT, AGENT_AND_SYNDIC, link_identity, registers_config

ORGANISATIONS, ROUNDS = 50, 200
# Every tool in a mode that accepts the IPI/BIV agent recognition.
MODES = {"antiblanchiment": "agent", "bizmart": "agent", "btv": "agent", "cadastrefinder": "agent",
         "cibweb": "member", "covast": "agent", "myrentpro": "manager", "romi": "professional"}


def user_with_organisations(platform: Platform, name: str, national_number: str, count: int) -> int:
    account = link_identity(platform, make_account(name), national_number)
    for index in range(count):
        organisation = make_organisation(account, name=f"Agence {name} {index:02d}")
        for tool, mode in MODES.items():
            terms = platform.tools.tool(tool).terms
            platform.tools.register(account.id, organisation.id, tool, mode,
                                    terms_version=terms.version if terms else None)
    return int(account.id)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "plugins.toml"
        config.write_text(registers_config())
        environ = {"IMMO_CONNECT_DATA_DIR": str(Path(folder) / "data")}
        settings = load_settings(config, environ=environ, database_url=f"sqlite:///{folder}/bench.sqlite3")
        platform = create_platform(settings, environ=environ, load_entrypoints=False)
        many = user_with_organisations(platform, "many", AGENT_AND_SYNDIC, ORGANISATIONS)
        one = user_with_organisations(platform, "single", AGENT, 1)

        def selection(account_id: int) -> float:
            def run() -> None:
                for tool in MODES:
                    platform.tools.qualities(account_id, tool)
            return timed(run)

        assert all(len(platform.tools.qualities(many, tool)) == ORGANISATIONS for tool in MODES)
        assert all(len(platform.tools.qualities(one, tool)) == 1 for tool in MODES)
        for _ in range(10):  # warm up caches and the connection
            selection(one), selection(many)
        baseline, measured = interleave(lambda: selection(one), lambda: selection(many), ROUNDS)
        report(f"quality selection, 8 tools, {ORGANISATIONS} organisations vs 1", baseline, measured, goal="<= 2x")
        platform.database.close()


if __name__ == "__main__":
    main()
