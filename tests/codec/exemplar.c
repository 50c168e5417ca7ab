/* SPDX-License-Identifier: MIT */
/* Exemplar values of asn1c 0.9.28 types, built by walking their descriptors (see exemplar.h). */
#include "exemplar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "codec/type_kind.h"
#include "sgp32/codec.h"

#include "ANY.h"
#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "GeneralizedTime.h"
#include "INTEGER.h"
#include "NULL.h"
#include "NativeEnumerated.h"
#include "NativeInteger.h"
#include "OBJECT_IDENTIFIER.h"
#include "OCTET_STRING.h"
#include "UTCTime.h"
#include "asn_SET_OF.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SEQUENCE_OF.h"
#include "constr_SET.h"
#include "constr_SET_OF.h"

/* Deeper than any GSMA message; recursive types stop growing here. */
#define EXEMPLAR_MAX_DEPTH 24

const char *exemplar_kind_name(asn_TYPE_descriptor_t *td)
{
    return codec_kind_name(codec_kind_of(td));
}

/* ---- the constraint checks asn1c forgets ---------------------------------------------------- */

struct original_check {
    const asn_TYPE_descriptor_t *td;
    asn_constr_check_f *check;
};
static struct original_check original_checks[1024];
static size_t original_check_count;

void exemplar_init(void)
{
    size_t i, n = sgp32_codec_type_count();
    if (original_check_count > 0)
        return;
    for (i = 0; i < n && original_check_count < sizeof(original_checks) / sizeof(original_checks[0]); i++) {
        asn_TYPE_descriptor_t *td = sgp32_codec_descriptor(sgp32_codec_type_at(i));
        original_checks[original_check_count].td = td;
        original_checks[original_check_count].check = td->check_constraints;
        original_check_count++;
    }
}

static asn_constr_check_f *type_check(const asn_TYPE_descriptor_t *td)
{
    size_t i;
    for (i = 0; i < original_check_count; i++) {
        if (original_checks[i].td == td)
            return original_checks[i].check;
    }
    return td->check_constraints;
}

static void ignore_failure(void *key, asn_TYPE_descriptor_t *td, const void *sptr, const char *fmt, ...)
{
    (void)key;
    (void)td;
    (void)sptr;
    (void)fmt;
}

/* Does the value at ptr pass the type's own constraints and the member's (memb may be NULL)? */
static int passes(asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, const void *ptr)
{
    asn_constr_check_f *own = type_check(td);
    if (own != NULL && own(td, ptr, ignore_failure, NULL) != 0)
        return 0;
    if (memb_check != NULL && memb_check != own && memb_check(td, ptr, ignore_failure, NULL) != 0)
        return 0;
    return 1;
}

/* ---- coverage ------------------------------------------------------------------------------- */

void exemplar_coverage_init(struct exemplar_coverage *coverage)
{
    memset(coverage, 0, sizeof(*coverage));
}

void exemplar_coverage_free(struct exemplar_coverage *coverage)
{
    size_t i;
    for (i = 0; i < coverage->count; i++)
        free(coverage->stats[i].counts);
    free(coverage->stats);
    memset(coverage, 0, sizeof(*coverage));
}

const struct exemplar_choice_stat *exemplar_coverage_find(const struct exemplar_coverage *coverage,
                                                          const asn_TYPE_descriptor_t *choice)
{
    size_t i;
    for (i = 0; i < coverage->count; i++) {
        if (coverage->stats[i].choice == choice)
            return &coverage->stats[i];
    }
    return NULL;
}

static struct exemplar_choice_stat *coverage_get(struct exemplar_coverage *coverage,
                                                 const asn_TYPE_descriptor_t *choice)
{
    struct exemplar_choice_stat *stat = (struct exemplar_choice_stat *)exemplar_coverage_find(coverage, choice);
    if (stat != NULL)
        return stat;
    if (coverage->count == coverage->cap) {
        size_t cap = coverage->cap ? coverage->cap * 2 : 64;
        struct exemplar_choice_stat *grown = realloc(coverage->stats, cap * sizeof(*grown));
        if (grown == NULL)
            abort();
        coverage->stats = grown;
        coverage->cap = cap;
    }
    stat = &coverage->stats[coverage->count++];
    stat->choice = choice;
    stat->counts = calloc((size_t)(choice->elements_count > 0 ? choice->elements_count : 1), sizeof(unsigned));
    stat->mark = 0;
    if (stat->counts == NULL)
        abort();
    return stat;
}

int exemplar_choice_missing(const struct exemplar_choice_stat *stat)
{
    int i, missing = 0;
    for (i = 0; i < stat->choice->elements_count; i++)
        missing += stat->counts[i] == 0;
    return missing;
}

/* ---- generation ----------------------------------------------------------------------------- */

struct gen {
    unsigned variant;
    struct exemplar_coverage *selection;
    const char *why;
};

static int optionals_present(const struct gen *g)
{
    unsigned phase = g->variant % 4u;
    return phase == 0 || phase == 3;
}

static int gen_value(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, void *ptr, int depth);

/* Sizes tried, in order, until the constraints pass. The first is the variant's preferred size. */
static const int candidate_sizes[] = {3, 1, 2,  4,  5,  6,  7,  8,  10, 12, 16, 20,  32,  64,
                                      0, 9, 11, 13, 14, 15, 17, 24, 33, 48, 65, 128, 255, 256};
#define CANDIDATES (sizeof(candidate_sizes) / sizeof(candidate_sizes[0]))

static int fill_bytes(OCTET_STRING_t *os, size_t size, int unit, unsigned variant)
{
    size_t i;
    os->buf = malloc(size + 1);
    if (os->buf == NULL)
        return -1;
    memset(os->buf, 0, size + 1);
    for (i = 0; i < size; i++) {
        /* Characters '1'..'9' in the last byte of each unit: valid for every string type (numeric,
         * printable, IA5, UTF-8, BMP, Universal). */
        if ((i + 1) % (size_t)unit == 0)
            os->buf[i] = (uint8_t)('1' + (i / (size_t)unit + variant) % 9u);
    }
    os->size = (int)size;
    return 0;
}

static int gen_string(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, OCTET_STRING_t *os)
{
    const asn_OCTET_STRING_specifics_t *specs = td->specifics;
    int unit = 1;
    size_t i;
    if (specs != NULL && specs->subvariant == ASN_OSUBV_U16)
        unit = 2;
    else if (specs != NULL && specs->subvariant == ASN_OSUBV_U32)
        unit = 4;
    for (i = 0; i < CANDIDATES + 1025; i++) {
        size_t size = i < CANDIDATES ? (size_t)candidate_sizes[i] : i - CANDIDATES;
        if (fill_bytes(os, size * (size_t)unit, unit, g->variant) != 0)
            return -1;
        if (passes(td, memb_check, os))
            return 0;
        free(os->buf);
        os->buf = NULL;
        os->size = 0;
    }
    g->why = "no string size passes the constraints";
    return -1;
}

static int gen_bit_string(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, BIT_STRING_t *bs)
{
    size_t i;
    for (i = 0; i < CANDIDATES + 1025; i++) {
        /* Every bit set: no trailing zero bit for DER to strip from a named-bit list. */
        int bits = i < CANDIDATES ? candidate_sizes[i] : (int)(i - CANDIDATES);
        int bytes = (bits + 7) / 8;
        bs->buf = calloc((size_t)bytes + 1, 1);
        if (bs->buf == NULL)
            return -1;
        bs->size = bytes;
        bs->bits_unused = bytes * 8 - bits;
        if (bytes > 0) {
            memset(bs->buf, 0xFF, (size_t)bytes);
            bs->buf[bytes - 1] = (uint8_t)(0xFFu << bs->bits_unused);
        }
        if (passes(td, memb_check, bs))
            return 0;
        free(bs->buf);
        bs->buf = NULL;
        bs->size = 0;
        bs->bits_unused = 0;
    }
    g->why = "no BIT STRING size passes the constraints";
    return -1;
}

static int gen_text(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, OCTET_STRING_t *os,
                    const char *text)
{
    if (OCTET_STRING_fromString(os, text) != 0)
        return -1;
    if (!passes(td, memb_check, os)) {
        g->why = "time value rejected by its constraints";
        return -1;
    }
    return 0;
}

static int gen_integer(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, void *ptr, int native)
{
    static const long candidates[] = {1, 0, 2, 3, 5, 7, 10, 16, 100, 127, 128, 255, 256, 1000, 65535, 65536, -1};
    const asn_INTEGER_specifics_t *specs = td->specifics;
    size_t i, n = sizeof(candidates) / sizeof(candidates[0]);
    /* Named values first (ENUMERATED needs one), rotating with the variant. */
    size_t named = specs != NULL && specs->value2enum != NULL ? (size_t)specs->map_count : 0;
    for (i = 0; i < named + n; i++) {
        long v;
        if (i < named)
            v = specs->value2enum[(i + g->variant) % named].nat_value;
        else
            v = candidates[i - named];
        if (native) {
            *(long *)ptr = v;
        } else {
            INTEGER_t *it = ptr;
            free(it->buf);
            it->buf = NULL;
            it->size = 0;
            if (asn_long2INTEGER(it, v) != 0)
                return -1;
        }
        if (passes(td, memb_check, ptr))
            return 0;
    }
    g->why = "no INTEGER value passes the constraints";
    return -1;
}

static int gen_oid(struct gen *g, OBJECT_IDENTIFIER_t *oid)
{
    /* 2.23.146.1.x: the GSMA arc. */
    unsigned long arcs[5] = {2, 23, 146, 1, 0};
    arcs[4] = 1u + g->variant % 5u;
    return OBJECT_IDENTIFIER_set_arcs(oid, arcs, sizeof(arcs[0]), 5);
}

static void *member_ptr(void *sptr, const asn_TYPE_member_t *m)
{
    return (char *)sptr + m->memb_offset;
}

/* Generates member m of the structure at sptr (allocating it when it is a pointer). */
static int gen_member(struct gen *g, asn_TYPE_member_t *m, void *sptr, int depth)
{
    void *target = member_ptr(sptr, m);
    if (m->flags & ATF_POINTER) {
        size_t size = codec_struct_size(m->type);
        void *p;
        if (size == 0) {
            g->why = "member of unknown kind";
            return -1;
        }
        p = calloc(1, size);
        if (p == NULL)
            return -1;
        *(void **)target = p;
        return gen_value(g, m->type, m->memb_constraints, p, depth + 1);
    }
    return gen_value(g, m->type, m->memb_constraints, target, depth + 1);
}

static int gen_structure(struct gen *g, asn_TYPE_descriptor_t *td, void *sptr, int depth, int is_set)
{
    int i;
    for (i = 0; i < td->elements_count; i++) {
        asn_TYPE_member_t *m = &td->elements[i];
        if ((m->flags & ATF_POINTER) && m->optional > 0 && (!optionals_present(g) || depth >= EXEMPLAR_MAX_DEPTH))
            continue;
        if (gen_member(g, m, sptr, depth) != 0)
            return -1;
        if (is_set) {
            /* The presence bitmap of a SET (as ASN_SET_MKPRESENT, without its signed 1 << 31). */
            const asn_SET_specifics_t *specs = td->specifics;
            unsigned int *map = (unsigned int *)(void *)((char *)sptr + specs->pres_offset);
            const unsigned bits = 8u * (unsigned)sizeof(unsigned int);
            map[(unsigned)i / bits] |= 1u << (bits - 1u - (unsigned)i % bits);
        }
    }
    return 0;
}

static void write_present(void *where, int size, unsigned value)
{
    switch (size) {
    case 1: {
        uint8_t v = (uint8_t)value;
        memcpy(where, &v, 1);
        break;
    }
    case 2: {
        uint16_t v = (uint16_t)value;
        memcpy(where, &v, 2);
        break;
    }
    case 8: {
        uint64_t v = value;
        memcpy(where, &v, 8);
        break;
    }
    default: {
        uint32_t v = value;
        memcpy(where, &v, 4);
        break;
    }
    }
}

static unsigned read_present(const void *where, int size)
{
    switch (size) {
    case 1: {
        uint8_t v;
        memcpy(&v, where, 1);
        return v;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, where, 2);
        return v;
    }
    case 8: {
        uint64_t v;
        memcpy(&v, where, 8);
        return (unsigned)v;
    }
    default: {
        uint32_t v;
        memcpy(&v, where, 4);
        return v;
    }
    }
}

static int gen_choice(struct gen *g, asn_TYPE_descriptor_t *td, void *sptr, int depth)
{
    const asn_CHOICE_specifics_t *specs = td->specifics;
    struct exemplar_choice_stat *stat;
    unsigned n = (unsigned)td->elements_count, start, i, best;
    if (n == 0) {
        g->why = "CHOICE without alternatives";
        return -1;
    }
    /* The least-used alternative so far; ties go to the one the variant and depth point at. */
    stat = coverage_get(g->selection, td);
    start = (g->variant + (unsigned)depth) % n;
    best = start;
    for (i = 0; i < n; i++) {
        unsigned a = (start + i) % n;
        if (stat->counts[a] < stat->counts[best])
            best = a;
    }
    if (depth >= EXEMPLAR_MAX_DEPTH)
        best = 0;
    stat->counts[best]++;
    write_present((char *)sptr + specs->pres_offset, specs->pres_size, best + 1);
    return gen_member(g, &td->elements[best], sptr, depth);
}

/* asn_set_empty() frees nothing for generated lists (their free hook is unset): free by type. */
static void list_clear(asn_TYPE_descriptor_t *elm_type, asn_anonymous_set_ *list)
{
    int i;
    for (i = 0; i < list->count; i++)
        elm_type->free_struct(elm_type, list->array[i], 0);
    free(list->array);
    list->array = NULL;
    list->count = 0;
    list->size = 0;
}

static int gen_list(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, void *sptr, int depth)
{
    static const int counts[] = {2, 1, 3, 4, 8, 16, 32, 0};
    const size_t ncounts = sizeof(counts) / sizeof(counts[0]);
    asn_TYPE_member_t *elm = &td->elements[0];
    asn_anonymous_set_ *list = _A_SET_FROM_VOID(sptr);
    size_t c;
    int preferred = optionals_present(g) ? 2 : (g->variant % 4u == 1 ? 0 : 1);
    if (depth >= EXEMPLAR_MAX_DEPTH)
        preferred = 0;
    /* The preferred count, the usual sizes, then every count up to 64. */
    for (c = 0; c <= ncounts + 64; c++) {
        int want = c == 0 ? preferred : (c <= ncounts ? counts[c - 1] : (int)(c - ncounts - 1)), i;
        if (c > 0 && want == preferred)
            continue;
        for (i = 0; i < want; i++) {
            size_t size = codec_struct_size(elm->type);
            void *p = size > 0 ? calloc(1, size) : NULL;
            if (p == NULL) {
                g->why = "list element of unknown kind";
                return -1;
            }
            if (asn_set_add(list, p) != 0) {
                free(p);
                return -1;
            }
            if (gen_value(g, elm->type, elm->memb_constraints, p, depth + 1) != 0)
                return -1;
        }
        if (passes(td, memb_check, sptr))
            return 0;
        list_clear(elm->type, list);
    }
    g->why = "no list size passes the constraints";
    return -1;
}

static int gen_value(struct gen *g, asn_TYPE_descriptor_t *td, asn_constr_check_f *memb_check, void *ptr, int depth)
{
    static const uint8_t encoded_null[] = {0x05, 0x00};
    switch (codec_kind_of(td)) {
    case CODEC_KIND_SEQUENCE:
        return gen_structure(g, td, ptr, depth, 0);
    case CODEC_KIND_SET:
        return gen_structure(g, td, ptr, depth, 1);
    case CODEC_KIND_CHOICE:
        return gen_choice(g, td, ptr, depth);
    case CODEC_KIND_SEQUENCE_OF:
    case CODEC_KIND_SET_OF:
        return gen_list(g, td, memb_check, ptr, depth);
    case CODEC_KIND_OCTET_STRING:
        return gen_string(g, td, memb_check, ptr);
    case CODEC_KIND_BIT_STRING:
        return gen_bit_string(g, td, memb_check, ptr);
    case CODEC_KIND_UTC_TIME:
        return gen_text(g, td, memb_check, ptr, "260101120000Z");
    case CODEC_KIND_GENERALIZED_TIME:
        return gen_text(g, td, memb_check, ptr, "20260101120000Z");
    case CODEC_KIND_ANY:
        return OCTET_STRING_fromBuf(ptr, (const char *)encoded_null, (int)sizeof(encoded_null));
    case CODEC_KIND_INTEGER:
        return gen_integer(g, td, memb_check, ptr, 0);
    case CODEC_KIND_NATIVE_INTEGER:
        return gen_integer(g, td, memb_check, ptr, 1);
    case CODEC_KIND_BOOLEAN:
        *(BOOLEAN_t *)ptr = (g->variant % 2u) == 0;
        return 0;
    case CODEC_KIND_NULL:
        *(NULL_t *)ptr = 0;
        return 0;
    case CODEC_KIND_OID:
        return gen_oid(g, ptr);
    case CODEC_KIND_UNKNOWN:
        break;
    }
    g->why = "type of unknown kind";
    return -1;
}

int exemplar_new(asn_TYPE_descriptor_t *td, unsigned variant, struct exemplar_coverage *selection, void **value,
                 const char **why)
{
    struct gen g;
    size_t size = codec_struct_size(td);
    void *v;
    *value = NULL;
    *why = NULL;
    if (size == 0) {
        *why = "type of unknown kind";
        return -1;
    }
    v = calloc(1, size);
    if (v == NULL)
        return -1;
    g.variant = variant;
    g.selection = selection;
    g.why = NULL;
    if (gen_value(&g, td, NULL, v, 0) != 0) {
        *why = g.why != NULL ? g.why : "out of memory";
        td->free_struct(td, v, 0);
        return -1;
    }
    *value = v;
    return 0;
}

/* ---- recording ------------------------------------------------------------------------------ */

static void record_value(asn_TYPE_descriptor_t *td, const void *ptr, struct exemplar_coverage *coverage);

static void record_member(asn_TYPE_member_t *m, const void *sptr, struct exemplar_coverage *coverage)
{
    const void *p = (const char *)sptr + m->memb_offset;
    if (m->flags & ATF_POINTER)
        p = *(const void *const *)p;
    if (p != NULL)
        record_value(m->type, p, coverage);
}

static void record_value(asn_TYPE_descriptor_t *td, const void *ptr, struct exemplar_coverage *coverage)
{
    int i;
    switch (codec_kind_of(td)) {
    case CODEC_KIND_SEQUENCE:
    case CODEC_KIND_SET:
        for (i = 0; i < td->elements_count; i++)
            record_member(&td->elements[i], ptr, coverage);
        break;
    case CODEC_KIND_CHOICE: {
        const asn_CHOICE_specifics_t *specs = td->specifics;
        unsigned present = read_present((const char *)ptr + specs->pres_offset, specs->pres_size);
        struct exemplar_choice_stat *stat = coverage_get(coverage, td);
        stat->mark = coverage->epoch;
        if (present >= 1 && present <= (unsigned)td->elements_count) {
            stat->counts[present - 1]++;
            record_member(&td->elements[present - 1], ptr, coverage);
        }
        break;
    }
    case CODEC_KIND_SEQUENCE_OF:
    case CODEC_KIND_SET_OF: {
        const asn_anonymous_set_ *list = _A_CSET_FROM_VOID(ptr);
        for (i = 0; i < list->count; i++) {
            if (list->array[i] != NULL)
                record_value(td->elements[0].type, list->array[i], coverage);
        }
        break;
    }
    default:
        break;
    }
}

void exemplar_record(asn_TYPE_descriptor_t *td, const void *value, struct exemplar_coverage *coverage)
{
    record_value(td, value, coverage);
}

/* ---- reachability ---------------------------------------------------------------------------- */

struct visited {
    const asn_TYPE_descriptor_t **items;
    size_t count;
    size_t cap;
};

static int visit_once(struct visited *v, const asn_TYPE_descriptor_t *td)
{
    size_t i;
    for (i = 0; i < v->count; i++) {
        if (v->items[i] == td)
            return 0;
    }
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        const asn_TYPE_descriptor_t **grown = realloc((void *)v->items, cap * sizeof(*grown));
        if (grown == NULL)
            abort();
        v->items = grown;
        v->cap = cap;
    }
    v->items[v->count++] = td;
    return 1;
}

static void reach(asn_TYPE_descriptor_t *td, exemplar_choice_visitor visit, void *user, struct visited *v)
{
    int i;
    enum codec_kind k;
    if (!visit_once(v, td))
        return;
    k = codec_kind_of(td);
    if (k == CODEC_KIND_CHOICE)
        visit(td, user);
    if (k == CODEC_KIND_SEQUENCE || k == CODEC_KIND_SET || k == CODEC_KIND_CHOICE || k == CODEC_KIND_SEQUENCE_OF ||
        k == CODEC_KIND_SET_OF) {
        for (i = 0; i < td->elements_count; i++)
            reach(td->elements[i].type, visit, user, v);
    }
}

void exemplar_reachable_choices(asn_TYPE_descriptor_t *td, exemplar_choice_visitor visit, void *user)
{
    struct visited v = {NULL, 0, 0};
    reach(td, visit, user, &v);
    free((void *)v.items);
}

int exemplar_coverage_epoch_complete(const struct exemplar_coverage *coverage, size_t *seen)
{
    size_t i;
    int complete = 1;
    *seen = 0;
    for (i = 0; i < coverage->count; i++) {
        if (coverage->stats[i].mark != coverage->epoch)
            continue;
        (*seen)++;
        if (exemplar_choice_missing(&coverage->stats[i]) > 0)
            complete = 0;
    }
    return complete;
}

int exemplar_json_append(const char *text, size_t len, void *user)
{
    struct exemplar_json_text *j = user;
    if (j->len + len + 1 > j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 1024;
        char *grown;
        while (cap < j->len + len + 1)
            cap *= 2;
        grown = realloc(j->text, cap);
        if (grown == NULL)
            return -1;
        j->text = grown;
        j->cap = cap;
    }
    memcpy(j->text + j->len, text, len);
    j->len += len;
    j->text[j->len] = '\0';
    return 0;
}
