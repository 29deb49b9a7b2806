"""citytwin_air: an example CityTwin plug-in (air quality fed by traffic, and its view layer).

Importing it registers everything by name, so the import stays light (``twin validate`` imports
it through the entry point): the classes and functions load when a run or a view needs them.
"""

import twin
import twin.emergency
import twin.migration
import viz

twin.register_module("air", "citytwin_air.module:AirModule", "citytwin_air.config:AirConfig",
                     domain="environment", after="traffic")
viz.register_layer("air_quality", "citytwin_air.layer:air_quality_view",
                   times="citytwin_air.layer:air_quality_times")
twin.emergency.register_policy("look_ahead", "citytwin_air.dispatch:LookAhead")
twin.migration.register_household_agent("clean_air", "citytwin_air.households:CleanAirHousehold")
