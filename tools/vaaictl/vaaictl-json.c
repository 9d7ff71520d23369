/*
 * vaaictl-json.c: building the JSON every command prints with --json
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "vaaictl.h"

void
vaaictlJsonInt(JsonBuilder *b, const char *name, uint64_t value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)value);
}


void
vaaictlJsonBool(JsonBuilder *b, const char *name, bool value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, value);
}


void
vaaictlJsonStr(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}


void
vaaictlJsonObject(JsonBuilder *b, const char *name, bool present)
{
    json_builder_set_member_name(b, name);
    if (present)
        json_builder_begin_object(b);
    else
        json_builder_add_null_value(b);
}


void
vaaictlJsonPrint(FILE *out, JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = NULL;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    text = json_generator_to_data(gen, NULL);
    fprintf(out, "%s\n", text);
    fflush(out);
}
