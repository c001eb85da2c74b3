from setuptools import find_packages, setup
setup(packages=find_packages(include=["srcscan*"]) + ["srcscan.native", "srcscan.shipped_rules"],
      package_dir={"srcscan.shipped_rules": "rules"},
      package_data={"srcscan": ["py.typed"], "srcscan.native": ["*.c"], "srcscan.shipped_rules": ["*.toml"]})
