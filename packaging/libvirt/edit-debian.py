#!/usr/bin/python3
"""Add the vaai backend to Debian's libvirt packaging (DIR is its debian/).

Each edit finds the text it changes exactly once, or fails: a new Debian
revision that moved things must be looked at, not patched blindly.
"""

import sys


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    if text.count(old) != 1:
        sys.exit(f"edit-debian: {path}: expected one {old!r}, found {text.count(old)}")
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def main(debian):
    # The backend needs sg3_utils' library (SG_IO) besides libiscsi.
    edit(f"{debian}/control", " libsasl2-dev,\n", " libsasl2-dev,\n libsgutils2-dev [linux-any],\n")
    # Built wherever the other Linux storage backends are.
    edit(f"{debian}/rules",
         "    WITH_STORAGE_ISCSI_DIRECT = -Dstorage_iscsi_direct=enabled\n",
         "    WITH_STORAGE_ISCSI_DIRECT = -Dstorage_iscsi_direct=enabled\n"
         "    WITH_STORAGE_VAAI         = -Dstorage_vaai=enabled\n")
    edit(f"{debian}/rules",
         "    WITH_STORAGE_ISCSI_DIRECT = -Dstorage_iscsi_direct=disabled\n",
         "    WITH_STORAGE_ISCSI_DIRECT = -Dstorage_iscsi_direct=disabled\n"
         "    WITH_STORAGE_VAAI         = -Dstorage_vaai=disabled\n")
    edit(f"{debian}/rules",
         "    $(WITH_STORAGE_ISCSI_DIRECT) \\\n",
         "    $(WITH_STORAGE_ISCSI_DIRECT) \\\n    $(WITH_STORAGE_VAAI) \\\n")
    # A build directory kept from the last build (packaging/build-debs
    # builds with -nc) is reconfigured, so that only what changed is
    # rebuilt; a build that will not run the tests does not compile them.
    edit(f"{debian}/rules",
         "\tdh_auto_configure -- $(DEB_CONFIGURE_EXTRA_ARGS)\n",
         "\tdh_auto_configure -- $(if $(wildcard $(DEB_BUILDDIR)/build.ninja),--reconfigure) "
         "$(DEB_CONFIGURE_EXTRA_ARGS) "
         "$(if $(filter nocheck,$(DEB_BUILD_OPTIONS)),-Dtests=disabled)\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: edit-debian.py DEBIAN_DIR")
    main(sys.argv[1])
