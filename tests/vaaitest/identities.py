"""The host and domain identities the in-use tests play: hosts a, b and c
(VAAI_HOST_UUID, and each one's name host-a...), two domains' UUIDs."""

HOSTS = {"a": "aaaaaaaa-0000-4000-8000-00000000000a",
         "b": "bbbbbbbb-0000-4000-8000-00000000000b",
         "c": "cccccccc-0000-4000-8000-00000000000c"}
DOM1 = "d1d1d1d1-0000-4000-8000-0000000000d1"
DOM2 = "d2d2d2d2-0000-4000-8000-0000000000d2"
