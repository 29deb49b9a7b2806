"""A plug-in for the bad-input table (tests/badinput/cases_plugins.py): its import registers the
section ``air``, which the example plug-in citytwin_air already holds, with other classes."""

import twin

twin.register_module("air", "badinput.plugin_clash:Other", "badinput.plugin_clash:OtherConfig",
                     domain="environment")
