/* SPDX-License-Identifier: MIT */
#include "transport_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SGP32_CLI_HAVE_SOFTEUICC
#include "sgp32/softeuicc.h"
#endif
#ifdef SGP32_CLI_HAVE_PCSC
#include "sgp32/transport_pcsc.h"
#endif
#ifdef SGP32_CLI_HAVE_AT
#include "sgp32/transport_at.h"
#endif
#ifdef SGP32_CLI_HAVE_QMI
#include "sgp32/transport_qmi.h"
#endif

#define PATH_CAP 1024

#if defined(SGP32_CLI_HAVE_AT) || defined(SGP32_CLI_HAVE_QMI)
/* "<path>[,opt[,opt...]]": copies the path; *options points at the first option (or ""). */
static int split_path(const char *rest, char *path, size_t cap, const char **options)
{
    const char *comma = strchr(rest, ',');
    size_t len = comma != NULL ? (size_t)(comma - rest) : strlen(rest);
    if (len == 0 || len >= cap)
        return -1;
    memcpy(path, rest, len);
    path[len] = '\0';
    *options = comma != NULL ? comma + 1 : "";
    return 0;
}

/* Next "name[=value]" of a comma-separated list; 0 at the end. */
static int next_option(const char **cursor, char *name, size_t cap, long *value, int *has_value)
{
    const char *start = *cursor, *end, *eq;
    size_t len;
    if (*start == '\0')
        return 0;
    end = strchr(start, ',');
    if (end == NULL)
        end = start + strlen(start);
    *cursor = *end == ',' ? end + 1 : end;
    eq = memchr(start, '=', (size_t)(end - start));
    len = (size_t)((eq != NULL ? eq : end) - start);
    if (len >= cap)
        len = cap - 1;
    memcpy(name, start, len);
    name[len] = '\0';
    *has_value = eq != NULL;
    *value = eq != NULL ? strtol(eq + 1, NULL, 10) : 0;
    return 1;
}

/* "<path>[,name[=value]...]": copies the path into path[PATH_CAP] and applies each option with
 * apply(). SGP32_ERR_INVALID_ARGUMENT after a message: the usage ("at:<tty>...") when there is no
 * path, the offending option when apply() refuses it. */
static enum sgp32_status parse_device_spec(const char *rest, const char *usage, const char *kind,
                                           int (*apply)(void *options, const char *name, int has_value, long value),
                                           void *options, char *path)
{
    const char *cursor;
    char name[16];
    long value;
    int has_value;
    if (split_path(rest, path, PATH_CAP, &cursor) != 0) {
        fprintf(stderr, "sgp32: --transport %s\n", usage);
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    while (next_option(&cursor, name, sizeof(name), &value, &has_value)) {
        if (apply(options, name, has_value, value) != 0) {
            fprintf(stderr, "sgp32: unknown or invalid %s transport option '%s'\n", kind, name);
            return SGP32_ERR_INVALID_ARGUMENT;
        }
    }
    return SGP32_OK;
}
#endif

#ifdef SGP32_CLI_HAVE_SOFTEUICC
static void release_softeuicc(void *owner)
{
    sgp32_softeuicc_free(owner);
}

static enum sgp32_status open_softeuicc(const char *dir, struct cli_transport *out)
{
    struct sgp32_softeuicc *card = NULL;
    enum sgp32_status st = sgp32_softeuicc_open(dir, NULL, &card);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32: cannot open the software eUICC in '%s': %s\n", dir, sgp32_strerror(st));
        return st;
    }
    sgp32_softeuicc_transport(card, &out->transport);
    out->owner = card;
    out->release = release_softeuicc;
    return SGP32_OK;
}
#endif

#ifdef SGP32_CLI_HAVE_PCSC
static void release_pcsc(void *owner)
{
    sgp32_pcsc_free(owner);
}

static enum sgp32_status open_pcsc(const char *reader, struct cli_transport *out)
{
    struct sgp32_pcsc_options options;
    struct sgp32_pcsc *pcsc = NULL;
    char *end = NULL;
    enum sgp32_status st;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    if (reader != NULL && *reader != '\0') {
        unsigned long index = strtoul(reader, &end, 10);
        if (end != NULL && *end == '\0')
            options.reader_index = (uint32_t)index;
        else
            options.reader = reader;
    }
    st = sgp32_pcsc_new(&options, &pcsc);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32: PC/SC: %s\n", sgp32_strerror(st));
        return st;
    }
    sgp32_pcsc_transport(pcsc, &out->transport);
    out->owner = pcsc;
    out->release = release_pcsc;
    return SGP32_OK;
}
#endif

#ifdef SGP32_CLI_HAVE_AT
static void release_at(void *owner)
{
    sgp32_at_free(owner);
}

static int apply_at_option(void *options, const char *name, int has_value, long value)
{
    struct sgp32_at_options *at = options;
    if (strcmp(name, "csim") == 0 && !has_value)
        at->mode = SGP32_AT_MODE_CSIM;
    else if (strcmp(name, "ccho") == 0 && !has_value)
        at->mode = SGP32_AT_MODE_CCHO;
    else if (strcmp(name, "baud") == 0 && has_value && value > 0)
        at->baud = (uint32_t)value;
    else
        return -1;
    return 0;
}

static enum sgp32_status open_at(const char *rest, struct cli_transport *out)
{
    struct sgp32_at_options options;
    struct sgp32_at *at = NULL;
    char path[PATH_CAP];
    enum sgp32_status st;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    st = parse_device_spec(rest, "at:<tty>[,csim|,ccho][,baud=N]", "AT", apply_at_option, &options, path);
    if (st == SGP32_OK && (st = sgp32_at_open_path(path, &options, &at)) != SGP32_OK)
        fprintf(stderr, "sgp32: AT port '%s': %s\n", path, sgp32_strerror(st));
    if (st != SGP32_OK)
        return st;
    sgp32_at_transport(at, &out->transport);
    out->owner = at;
    out->release = release_at;
    return SGP32_OK;
}
#endif

#ifdef SGP32_CLI_HAVE_QMI
static void release_qmi(void *owner)
{
    sgp32_qmi_free(owner);
}

static int apply_qmi_option(void *options, const char *name, int has_value, long value)
{
    struct sgp32_qmi_options *qmi = options;
    if (strcmp(name, "slot") != 0 || !has_value || value < 1 || value > 255)
        return -1;
    qmi->slot = (uint8_t)value;
    return 0;
}

static enum sgp32_status open_qmi(const char *rest, struct cli_transport *out)
{
    struct sgp32_qmi_options options;
    struct sgp32_qmi *qmi = NULL;
    char path[PATH_CAP];
    enum sgp32_status st;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    st = parse_device_spec(rest, "qmi:<device>[,slot=N]", "QMI", apply_qmi_option, &options, path);
    if (st == SGP32_OK && (st = sgp32_qmi_new_device(path, &options, &qmi)) != SGP32_OK)
        fprintf(stderr, "sgp32: QMI device '%s': %s\n", path, sgp32_strerror(st));
    if (st != SGP32_OK)
        return st;
    sgp32_qmi_transport(qmi, &out->transport);
    out->owner = qmi;
    out->release = release_qmi;
    return SGP32_OK;
}
#endif

static enum sgp32_status open_backend(const char *spec, struct cli_transport *out)
{
#ifdef SGP32_CLI_HAVE_SOFTEUICC
    if (strncmp(spec, "softeuicc:", 10) == 0)
        return open_softeuicc(spec + 10, out);
#endif
#ifdef SGP32_CLI_HAVE_PCSC
    if (strcmp(spec, "pcsc") == 0 || strncmp(spec, "pcsc:", 5) == 0)
        return open_pcsc(spec[4] == ':' ? spec + 5 : NULL, out);
#endif
#ifdef SGP32_CLI_HAVE_AT
    if (strncmp(spec, "at:", 3) == 0)
        return open_at(spec + 3, out);
#endif
#ifdef SGP32_CLI_HAVE_QMI
    if (strncmp(spec, "qmi:", 4) == 0)
        return open_qmi(spec + 4, out);
#endif
    fprintf(stderr, "sgp32: unknown or unavailable transport '%s' (this build has:%s%s%s%s)\n", spec,
#ifdef SGP32_CLI_HAVE_SOFTEUICC
            " softeuicc:<dir>",
#else
            "",
#endif
#ifdef SGP32_CLI_HAVE_PCSC
            " pcsc[:<reader>]",
#else
            "",
#endif
#ifdef SGP32_CLI_HAVE_AT
            " at:<tty>[,csim][,baud=N]",
#else
            "",
#endif
#ifdef SGP32_CLI_HAVE_QMI
            " qmi:<dev>[,slot=N]"
#else
            ""
#endif
    );
    return SGP32_ERR_INVALID_ARGUMENT;
}

enum sgp32_status cli_transport_open(const char *spec, uint32_t timeout_ms, struct cli_transport *out)
{
    enum sgp32_status st;
    memset(out, 0, sizeof(*out));
    if (spec == NULL) {
        fprintf(stderr, "sgp32: no transport: give --transport <spec> or set SGP32_TRANSPORT\n");
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    st = open_backend(spec, out);
    if (st != SGP32_OK)
        return st;
    st = out->transport.ops->open(out->transport.user, NULL, 0, NULL, timeout_ms);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32: cannot reach the card over '%s': %s\n", spec, sgp32_strerror(st));
        cli_transport_close(out);
        return st;
    }
    out->opened = 1;
    return SGP32_OK;
}

void cli_transport_close(struct cli_transport *t)
{
    if (t->opened)
        t->transport.ops->close(t->transport.user);
    t->opened = 0;
    if (t->release != NULL && t->owner != NULL)
        t->release(t->owner);
    t->owner = NULL;
}
