pytest_plugins = ["tests.plugins.processes", "tests.plugins.sandbox", "tests.plugins.freshbooks"]
