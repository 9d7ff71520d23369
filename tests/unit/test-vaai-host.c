/*
 * test-vaai-host.c: where a process finds its host's identity
 * (vaaictl, vaai-leased and the libvirt backend must find the same).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "storage_vaai_format.h"
#include "storage_vaai_host.h"

#define UUID_A "0123456789abcdef0123456789abcdef"
#define UUID_B "fedcba98-7654-3210-fedc-ba9876543210"


static void
testGiven(void)
{
    virStorageVaaiHost h1, h2;
    uint8_t want[VIR_STORAGE_VAAI_UUID_LEN];

    g_setenv("VAAI_HOST_UUID", UUID_B, TRUE);
    g_assert_true(virStorageVaaiHostInit(&h1, UUID_A, "a", NULL));
    g_assert_true(virStorageVaaiUuidParse(UUID_A, want));
    g_assert_cmpmem(h1.uuid, sizeof(h1.uuid), want, sizeof(want));
    g_assert_cmpstr(h1.name, ==, "a");

    /* The environment, when nothing is given; a new incarnation each time. */
    g_assert_true(virStorageVaaiHostInit(&h1, NULL, NULL, NULL));
    g_assert_true(virStorageVaaiHostInit(&h2, NULL, NULL, NULL));
    g_assert_true(virStorageVaaiUuidParse(UUID_B, want));
    g_assert_cmpmem(h1.uuid, sizeof(h1.uuid), want, sizeof(want));
    g_assert_cmpmem(h2.uuid, sizeof(h2.uuid), want, sizeof(want));
    g_assert_cmpuint(h1.incarnation, !=, h2.incarnation);
    g_assert_cmpstr(h1.name, ==, g_get_host_name());
    g_unsetenv("VAAI_HOST_UUID");
}


static void
testBad(void)
{
    virStorageVaaiHost h;
    g_autoptr(GError) err = NULL;

    g_setenv("VAAI_HOST_UUID", "not-a-uuid", TRUE);
    g_assert_false(virStorageVaaiHostInit(&h, NULL, NULL, &err));
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    /* The message says where the bad value came from. */
    g_assert_nonnull(strstr(err->message, "$VAAI_HOST_UUID"));
    g_assert_nonnull(strstr(err->message, "not-a-uuid"));
    g_unsetenv("VAAI_HOST_UUID");
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/host/given", testGiven);
    g_test_add_func("/vaai/host/bad", testBad);
    return g_test_run();
}
