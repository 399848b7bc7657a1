pytest_plugins = ["tests.plugins.processes"]
