"""Plug-ins (twin/plugins.py): a scenario names installed modules only; each failure is one line."""

from badinput import Case

SCENARIO = '[scenario]\nname = "p"\ncity = "testville"\nplugins = {plugins}\n[access]\n'
MANIFEST = '{{"scenario": {{"scenario": {{"name": "p", "city": "testville", "plugins": {plugins}}}}}}}'


def _scenario(plugins: str, extra: str = "") -> dict[str, str]:
    return {"s.toml": SCENARIO.format(plugins=plugins) + extra}


CASES = [
    Case("plugins-not-importable", ("validate", "s.toml"),
         "s.toml: key 'scenario.plugins': plug-in 'no_such_citytwin_plugin' failed to import "
         "(ModuleNotFoundError: No module named 'no_such_citytwin_plugin')",
         files=_scenario('["no_such_citytwin_plugin"]')),
    Case("plugins-a-file-path", ("run", "s.toml"),
         "key 'scenario.plugins': './air.py' is not an importable module name",
         files={**_scenario('["./air.py"]'), "air.py": "raise SystemExit('never executed')\n"}),
    Case("plugins-an-absolute-path", ("validate", "s.toml"), "never a file path",
         files=_scenario('["/tmp/air/plugin.py"]')),
    Case("plugins-not-a-list", ("validate", "s.toml"),
         "key 'scenario.plugins': expected a list of module names, got 'citytwin_air'",
         files=_scenario('"citytwin_air"')),
    Case("plugins-clashing-section", ("validate", "s.toml"),
         "plug-in 'badinput.plugin_clash': register_module: section [air] is already registered to "
         "citytwin_air.module:AirModule",
         files=_scenario('["badinput.plugin_clash"]'),
         note="tests/badinput is on the path in-process and in scripts/bad_input_table.py"),
    Case("plugins-section-key-typo", ("validate", "s.toml"), "(did you mean 'interval_min'?)",
         files=_scenario('["citytwin_air"]', "[air]\ninterval_mins = 5\n")),
    Case("plugins-module-needs-traffic", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
         "s.toml: [air] reads the link flows and speeds traffic publishes: add a [traffic] section",
         files=_scenario('["citytwin_air"]', "[air]\n")),
    Case("plugins-view-run-names-a-missing-plugin", ("view", "run", "--png", "x.png"),
         "run/manifest.json: key 'scenario.plugins': plug-in 'gone_plugin' failed to import",
         files={"run/manifest.json": MANIFEST.format(plugins='["gone_plugin"]')}),
    Case("plugins-view-unknown-layer-lists-the-plugins",
         ("view", "run", "--layer", "air_qualty", "--png", "x.png"),
         "--layer 'air_qualty': unknown layer; layers: traffic, emergency, waste, population, air_quality",
         files={"run/manifest.json": MANIFEST.format(plugins="[]")}),
]
