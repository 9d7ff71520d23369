"""What the Python tests share: the test arrays (LIO under QEMU, tgt on
this host), vaaictl with a host identity, a private patched libvirt
daemon per host, and the data patterns.  pytest fixtures over these are in
tests/conftest.py; scripts that are not pytest tests import them too."""
