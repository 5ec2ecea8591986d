/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP for the display and the VNC server (qapi/ui.json): screendump,
 * set_password, change-vnc-password, expire_password, query-vnc,
 * query-vnc-servers and the VNC_* events.  Members are written in the
 * order QEMU 7.2 writes them.
 */
#include <string.h>

#include "qapi/qapi-generated.h"
#include "ui/console.h"
#include "ui/vnc.h"

void qmp_screendump(const char *filename, bool has_device,
                    const char *device, bool has_head, int64_t head,
                    bool has_format, int format, Error **errp)
{
    DisplayConsole *con;

    (void)has_head;
    (void)head;
    if (has_device) {
        /* Consoles are not named after their device yet. */
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", device);
        return;
    }
    con = display_console_lookup(0);
    if (!con) {
        error_setg(errp, "There is no console to take a screendump from");
        return;
    }
    display_screendump(con, filename,
                       has_format ? ImageFormat_lookup[format] : NULL, errp);
}

static bool ui_check_protocol(int protocol, Error **errp)
{
    if (strcmp(DisplayProtocol_lookup[protocol], "vnc")) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_ACTIVE,
                  "SPICE is not in use");
        return false;
    }
    return true;
}

void qmp_set_password(int protocol, const char *password,
                      bool has_connected, int connected,
                      bool has_display, const char *display, Error **errp)
{
    (void)has_display;
    (void)display;
    if (!ui_check_protocol(protocol, errp)) {
        return;
    }
    if (has_connected && strcmp(SetPasswordAction_lookup[connected], "keep")) {
        error_setg(errp, "VNC protocol can only keep connected");
        return;
    }
    vnc_set_password(password, errp);
}

void qmp_change_vnc_password(const char *password, Error **errp)
{
    vnc_set_password(password, errp);
}

void qmp_expire_password(int protocol, const char *time, bool has_display,
                         const char *display, Error **errp)
{
    (void)has_display;
    (void)display;
    if (!ui_check_protocol(protocol, errp)) {
        return;
    }
    vnc_expire_password(time, errp);
}

static const char *ui_family(const char *host)
{
    return strchr(host, ':') ? "ipv6" : "ipv4";
}

static JsonObject *ui_basic_info(const char *host, const char *service,
                                 bool websocket)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "family", ui_family(host));
    json_object_set_string_member(o, "service", service);
    json_object_set_string_member(o, "host", host);
    json_object_set_boolean_member(o, "websocket", websocket);
    return o;
}

static JsonObject *ui_client_info(const VncClientInfo *c)
{
    return ui_basic_info(c->host, c->service, c->websocket);
}

/* VncServerInfo (events) and VncServerInfo2 (query-vnc-servers). */
static JsonObject *ui_server_info(const VncServerInfo *s)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "auth", s->auth);
    json_object_set_string_member(o, "family", ui_family(s->host));
    json_object_set_string_member(o, "service", s->service);
    json_object_set_string_member(o, "host", s->host);
    json_object_set_boolean_member(o, "websocket", false);
    return o;
}

static JsonArray *ui_clients(const VncServerInfo *s)
{
    JsonArray *arr = json_array_new();
    unsigned n = MIN(s->nr_clients, G_N_ELEMENTS(s->clients));

    for (unsigned i = 0; i < n; i++) {
        json_array_add_object_element(arr, ui_client_info(&s->clients[i]));
    }
    return arr;
}

static JsonNode *ui_node_object(JsonObject *o)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(n, o);
    return n;
}

JsonNode *qmp_query_vnc(Error **errp)
{
    VncServerInfo s;
    JsonObject *o = json_object_new();

    vnc_query(&s);
    json_object_set_boolean_member(o, "enabled", s.enabled);
    if (s.enabled) {
        json_object_set_string_member(o, "auth", s.auth);
        json_object_set_string_member(o, "family", ui_family(s.host));
        json_object_set_array_member(o, "clients", ui_clients(&s));
        json_object_set_string_member(o, "service", s.service);
        json_object_set_string_member(o, "host", s.host);
    }
    return ui_node_object(o);
}

JsonNode *qmp_query_vnc_servers(Error **errp)
{
    VncServerInfo s;
    JsonArray *arr = json_array_new();
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    vnc_query(&s);
    if (s.enabled) {
        JsonObject *o = json_object_new();
        JsonArray *servers = json_array_new();

        json_array_add_object_element(servers, ui_server_info(&s));
        json_object_set_string_member(o, "auth", s.auth);
        json_object_set_array_member(o, "clients", ui_clients(&s));
        json_object_set_array_member(o, "server", servers);
        json_object_set_string_member(o, "id", "default");
        json_array_add_object_element(arr, o);
    }
    json_node_take_array(n, arr);
    return n;
}

static void ui_vnc_event(const char *event, const VncClientInfo *client,
                         const VncServerInfo *server)
{
    JsonNode *s = ui_node_object(ui_server_info(server));
    JsonNode *c = ui_node_object(ui_client_info(client));

    if (!strcmp(event, "connected")) {
        qapi_event_send_vnc_connected(s, c);
    } else if (!strcmp(event, "initialized")) {
        qapi_event_send_vnc_initialized(s, c);
    } else {
        qapi_event_send_vnc_disconnected(s, c);
    }
}

static void __attribute__((constructor)) ui_qmp_register(void)
{
    vnc_set_event_handler(ui_vnc_event);
}
