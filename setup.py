"""Package layout: the repository's top-level folders are one import namespace, ``govpath``."""

from setuptools import find_packages, setup

FOLDERS = {
    "govpath": "engine",
    "govpath.calendars": "calendars",
    "govpath.notifications": "notifications",
    "govpath.workflows": "workflows",
}

packages: list[str] = []
for name, folder in FOLDERS.items():
    packages += [name, *(f"{name}.{sub}" for sub in find_packages(folder))]

setup(packages=packages, package_dir=FOLDERS)
