/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VNC server's side of QMP: set_password / change-vnc-password,
 * expire_password and query-vnc.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "ui/vnc/vnc-int.h"

bool vnc_set_password(const char *password, Error **errp)
{
    VncDisplay *vd = vnc_get_display();

    if (!vd) {
        error_setg(errp, "There is no VNC display to set a password on");
        return false;
    }
    if (!vd->password_auth) {
        error_setg(errp, "Could not set password");
        error_append_hint(errp, "start the VNC server with password=on\n");
        return false;
    }
    g_free(vd->password);
    vd->password = g_strdup(password);
    return true;
}

bool vnc_expire_password(const char *when, Error **errp)
{
    VncDisplay *vd = vnc_get_display();
    int64_t now = g_get_real_time();
    int64_t at;
    char *end;

    if (!vd) {
        error_setg(errp, "There is no VNC display");
        return false;
    }
    if (!strcmp(when, "now")) {
        at = now;
    } else if (!strcmp(when, "never")) {
        at = 0;
    } else {
        bool relative = when[0] == '+';
        long long secs = strtoll(when + relative, &end, 10);

        if (!when[relative] || *end || secs < 0 || secs > INT32_MAX) {
            error_setg(errp, "Parameter 'time' expects 'now', 'never', "
                       "'+SECONDS' or 'SECONDS'");
            return false;
        }
        at = relative ? now + secs * G_USEC_PER_SEC : secs * G_USEC_PER_SEC;
        at = at ? at : 1;
    }
    vd->expires_us = at;
    return true;
}

void vnc_query(VncServerInfo *info)
{
    VncDisplay *vd = vnc_get_display();

    memset(info, 0, sizeof(*info));
    if (!vd) {
        return;
    }
    info->enabled = true;
    g_strlcpy(info->host, vd->host, sizeof(info->host));
    g_strlcpy(info->service, vd->service, sizeof(info->service));
    info->auth = vd->password_auth ? "vnc" : "none";
    for (GList *l = vd->clients; l; l = l->next) {
        VncClient *vc = l->data;

        if (info->nr_clients < G_N_ELEMENTS(info->clients)) {
            info->clients[info->nr_clients] = vc->info;
        }
        info->nr_clients++;
    }
}
