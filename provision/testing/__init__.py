"""Test doubles shipped with the package: the fake Authentik of the tests and the demo."""
