/* SPDX-License-Identifier: MIT */
/*
 * tessera-img: create, inspect, check and convert disk images (raw,
 * qcow2, luks). Commands, options and output follow qemu-img's.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "block/block.h"

#define CHUNK (1u << 20)

static const char *prog = "tessera-img";
static bool quiet;
/* --image-opts / --target-image-opts: file names are option strings. */
static bool image_opts, target_image_opts;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout); /* what was printed comes before the error */
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: tessera-img COMMAND [OPTIONS] ...\n"
"Commands (as qemu-img's; formats raw, qcow2 and luks). Every command takes\n"
"--object secret,id=ID,data=TEXT|file=PATH[,format=raw|base64] (passwords)\n"
"and --image-opts (FILE is driver=FMT,file.filename=PATH[,key-secret=ID]\n"
"[,encrypt.key-secret=ID][,backing.key-secret=ID|backing.encrypt.key-secret=ID\n"
"...]: secrets of encrypted backing files); convert -n also --target-image-opts.\n"
"  create [-q] [-f FMT] [-b BACKING [-F BACKING_FMT]] [-o OPTIONS] FILE [SIZE]\n"
"  info [-f FMT] [--output=human|json] FILE\n"
"  check [-q] [-f FMT] [-r leaks|all] [--output=human|json] FILE\n"
"  convert [-q] [-p] [-c] [-n] [-f FMT] [-O FMT] [-B BACKING [-F FMT]]\n"
"          [-o OPTIONS] [-S SPARSE_SIZE] [--bitmaps [--skip-broken-bitmaps]]\n"
"          SOURCE... TARGET\n"
"  resize [-q] [-f FMT] [--shrink] FILE [+|-]SIZE\n"
"  map [-f FMT] [--output=human|json] [--start-offset=N] [--max-length=N] FILE\n"
"  measure [--output=human|json] [-O FMT] [-o OPTIONS] (--size N | [-f FMT] FILE)\n"
"  compare [-q] [-s] [-f FMT] [-F FMT] FILE1 FILE2\n"
"  commit [-q] [-d] [-f FMT] FILE\n"
"  rebase [-q] [-u] [-f FMT] -b BACKING [-F BACKING_FMT] FILE\n"
"  snapshot -l|-c NAME|-a SNAPSHOT|-d SNAPSHOT [-f FMT] FILE\n"
"  bitmap (--add [-g GRANULARITY] | --remove | --clear | --enable | --disable |\n"
"          --merge SOURCE [-b SOURCE_FILE [-F SOURCE_FMT]])... [-f FMT] FILE BITMAP\n"
"  amend [-q] [-f FMT] [--force] -o OPTIONS FILE   (LUKS keyslots)\n"
"Options (-o): cluster_size, compression_type (zlib, zstd), backing_file,\n"
"  backing_fmt, refcount_bits; all formats: extent_size_hint (the file's XFS\n"
"  extent size hint, default 1M, 0: none); luks: key-secret, cipher-alg\n"
"  (aes-256, aes-128), cipher-mode (xts), ivgen-alg (plain64, plain),\n"
"  hash-alg (sha256, sha1, sha512), iter-time (ms); qcow2:\n"
"  encrypt.format=luks and the same with an 'encrypt.' prefix.\n"
"  amend: state=active|inactive, new-secret, old-secret, keyslot, iter-time\n"
"  (qcow2: encrypt.*).\n"
"Sizes take k, M, G, T, P, E suffixes.\n");
}

static BlockDev *open_spec(const char *spec, const char *fmt, int flags,
                           bool opts, char *err, size_t errlen)
{
    BlkImageOpts o = { NULL };
    if (opts) {
        if (blk_parse_image_opts(spec, &o, err, errlen) < 0)
            die("%s", err);
        spec = o.filename;
        if (o.fmt)
            fmt = o.fmt;
    }
    BlockDev *bs = blk_open_keys(spec, fmt, flags, (const char *const *)o.keys,
                                 BLK_MAX_KEY_LAYERS, err, errlen);
    blk_image_opts_free(&o);
    return bs;
}

static BlockDev *open_img(const char *file, const char *fmt, int flags)
{
    char err[1024];
    BlockDev *bs = open_spec(file, fmt, flags, image_opts, err, sizeof(err));
    if (!bs)
        die("%s", err);
    return bs;
}

static uint64_t parse_size_or_die(const char *s, const char *what)
{
    uint64_t v;
    if (blk_parse_size(s, &v) < 0)
        die("invalid %s '%s' (a number of bytes, with an optional k, M, G, "
            "T, P or E suffix)", what, s);
    return v;
}

/* Human sizes as qemu prints them: "324 KiB", "1.5 MiB". */
/*
 * The options the commands read alike, from getopt's c: -f FMT into *fmt,
 * --output (-j) into *output, -q; and -U, -p, -t, -T, -u, which they take
 * to be compatible with qemu-img and ignore here (no locks, no progress,
 * no cache modes). A command handles its own options before this and
 * names only these in its getopt string. Otherwise (getopt's '?') the
 * usage goes to stderr: false.
 */
static bool common_opt(int c, const char **fmt, const char **output)
{
    switch (c) {
    case 'f': *fmt = optarg; return true;
    case 'j': *output = optarg; return true;
    case 'q': quiet = true; return true;
    case 'U': case 'p': case 't': case 'T': case 'u': return true;
    default: usage(stderr); return false;
    }
}

/* --output: true for json, false for human, an error otherwise. */
static bool output_json(const char *output)
{
    bool json = !strcmp(output, "json");
    if (!json && strcmp(output, "human"))
        die("--output must be human or json, not '%s'", output);
    return json;
}

/* A backing file's name as the image `file` records it, as a path from
 * here (blk_full_backing_name()); free() it. */
static char *path_beside(const char *file, const char *name)
{
    char *path = blk_full_backing_name(file, name);
    if (!path)
        die("out of memory");
    return path;
}

/* The extent at off of bs's own layer, at most CHUNK bytes and not past
 * size: its length, and its status in *st. */
static uint64_t layer_extent(BlockDev *bs, uint64_t off, uint64_t size,
                             BlkStatus *st)
{
    uint64_t n, want = size - off < CHUNK ? size - off : CHUNK;
    if (blk_block_status_layer(bs, off, want, &n, st) < 0)
        die("%s", blk_error(bs));
    return n;
}

static const char *size_str(uint64_t v, char *buf, size_t len)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB",
                                   "EiB" };
    double d = (double)v;
    int u = 0;
    while (d >= 1024 * 0.9765625 * 1.0 && d >= 1000 && u < 6) {
        d /= 1024;
        u++;
    }
    snprintf(buf, len, "%.3g %s", d, units[u]);
    return buf;
}

/* The snapshot table of info and snapshot -l, as qemu-img prints it
 * (nothing when there are none). */
static void print_snapshots(const BlkSnapshot *s, int n)
{
    if (n) {
        printf("Snapshot list:\n");
        printf("ID        TAG               VM SIZE                DATE     "
               "VM CLOCK     ICOUNT\n");
    }
    for (int i = 0; i < n; i++) {
        char d[32], vs[32];
        time_t t = (time_t)s[i].date_sec;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(d, sizeof(d), "%Y-%m-%d %H:%M:%S", &tm);
        uint64_t ms = s[i].vm_clock_nsec / 1000000;
        printf("%-9s %-17s %7s %s %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64
               ".%03" PRIu64 " %10" PRIu64 "\n", s[i].id, s[i].name,
               size_str(s[i].vm_state_size, vs, sizeof(vs)), d,
               ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000,
               s[i].icount);
    }
}

/* -o key=value,key=value into BlkCreateOpts. */
static void parse_opts(char *s, BlkCreateOpts *o)
{
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq)
            die("option '%s' needs a value (key=value)", tok);
        *eq = 0;
        const char *v = eq + 1;
        if (!strcmp(tok, "cluster_size"))
            o->cluster_size = (uint32_t)parse_size_or_die(v, "cluster_size");
        else if (!strcmp(tok, "compression_type"))
            o->compression_type = v;
        else if (!strcmp(tok, "backing_file"))
            o->backing_file = v;
        else if (!strcmp(tok, "backing_fmt"))
            o->backing_fmt = v;
        else if (!strcmp(tok, "refcount_bits"))
            o->refcount_bits = atoi(v);
        else if (!strcmp(tok, "size"))
            o->size = parse_size_or_die(v, "size");
        else if (!strcmp(tok, "extent_size_hint")) {
            o->extent_size_hint = parse_size_or_die(v, "extent_size_hint");
            o->has_extent_size_hint = true;
        }
        else if (!strncmp(tok, "encrypt.", 8) || !strcmp(tok, "key-secret") ||
                 !strcmp(tok, "cipher-alg") || !strcmp(tok, "cipher-mode") ||
                 !strcmp(tok, "ivgen-alg") || !strcmp(tok, "ivgen-hash-alg") ||
                 !strcmp(tok, "hash-alg") || !strcmp(tok, "iter-time")) {
            /* luks takes these bare, qcow2 with an "encrypt." prefix. */
            bool pre = !strncmp(tok, "encrypt.", 8);
            const char *k = pre ? tok + 8 : tok;
            bool luks = !strcmp(o->fmt, "luks");
            if (pre == luks || strcmp(o->fmt, luks ? "luks" : "qcow2"))
                die("option '%s' is not valid for format %s", tok, o->fmt);
            if (!strcmp(k, "format"))
                o->encrypt_format = v;
            else if (!strcmp(k, "key-secret"))
                o->key_secret = v;
            else if (!strcmp(k, "cipher-alg"))
                o->cipher_alg = v;
            else if (!strcmp(k, "cipher-mode"))
                o->cipher_mode = v;
            else if (!strcmp(k, "ivgen-alg"))
                o->ivgen_alg = v;
            else if (!strcmp(k, "hash-alg"))
                o->hash_alg = v;
            else if (!strcmp(k, "ivgen-hash-alg")) {
                if (strcmp(v, "sha256"))
                    die("%s=%s is not supported (essiv is not; sha256 only)",
                        tok, v);
            } else if (!strcmp(k, "iter-time")) {
                char *end;
                long long t = strtoll(v, &end, 10);
                if (*end || t <= 0 || t > 3600000)
                    die("invalid %s '%s' (milliseconds, 1 to 3600000)", tok,
                        v);
                o->iter_time = t;
            } else
                die("unknown option '%s'", tok);
        } else if (!strcmp(tok, "encryption")) {
            if (strcmp(v, "off"))
                die("encryption=%s (legacy AES) is not supported; use "
                    "encrypt.format=luks", v);
        }
        else if (!strcmp(tok, "compat")) {
            if (strcmp(v, "1.1") && strcmp(v, "v3"))
                die("compat=%s is not supported (only 1.1)", v);
        } else if (!strcmp(tok, "lazy_refcounts") || !strcmp(tok, "extended_l2")
                   || !strcmp(tok, "preallocation")) {
            if (strcmp(v, "off"))
                die("option %s=%s is not supported (only off)", tok, v);
        } else
            die("unknown option '%s' (cluster_size, compression_type, "
                "backing_file, backing_fmt, refcount_bits, extent_size_hint, "
                "key-secret, encrypt.*)", tok);
    }
}

/* Size of the backing file for "create -b" without a size. */
static uint64_t backing_size(const char *overlay, const char *backing,
                             const char *fmt)
{
    char *path = path_beside(overlay, backing);
    BlockDev *b = open_img(path, fmt, 0);
    uint64_t size = blk_size(b);
    blk_close(b);
    free(path);
    return size;
}

/* The encryption options given, as qemu-img echoes them. */
static void print_crypt_opts(const BlkCreateOpts *o, const char *pre)
{
    if (o->encrypt_format)
        printf(" %sformat=%s", pre, o->encrypt_format);
    if (o->key_secret)
        printf(" %skey-secret=%s", pre, o->key_secret);
    if (o->cipher_alg)
        printf(" %scipher-alg=%s", pre, o->cipher_alg);
    if (o->cipher_mode)
        printf(" %scipher-mode=%s", pre, o->cipher_mode);
    if (o->ivgen_alg)
        printf(" %sivgen-alg=%s", pre, o->ivgen_alg);
    if (o->hash_alg)
        printf(" %shash-alg=%s", pre, o->hash_alg);
    if (o->iter_time)
        printf(" %siter-time=%" PRId64, pre, o->iter_time);
}

static void print_formatting(const char *file, const BlkCreateOpts *o)
{
    char hint[48] = "";
    if (quiet)
        return;
    if (o->has_extent_size_hint)
        snprintf(hint, sizeof(hint), " extent_size_hint=%" PRIu64,
                 o->extent_size_hint);
    if (!strcmp(o->fmt, "luks")) {
        printf("Formatting '%s', fmt=luks size=%" PRIu64, file, o->size);
        print_crypt_opts(o, "");
        printf("%s\n", hint);
    } else if (!strcmp(o->fmt, "qcow2")) {
        printf("Formatting '%s', fmt=qcow2", file);
        print_crypt_opts(o, "encrypt.");
        printf(" cluster_size=%u extended_l2=off "
               "compression_type=%s size=%" PRIu64,
               o->cluster_size ? o->cluster_size : 65536,
               o->compression_type ? o->compression_type : "zlib", o->size);
        if (o->backing_file)
            printf(" backing_file=%s", o->backing_file);
        if (o->backing_fmt)
            printf(" backing_fmt=%s", o->backing_fmt);
        printf(" lazy_refcounts=off refcount_bits=%d%s\n",
               o->refcount_bits ? o->refcount_bits : 16, hint);
    } else {
        printf("Formatting '%s', fmt=%s size=%" PRIu64 "%s\n", file, o->fmt,
               o->size, hint);
    }
}

static void do_create(const char *file, BlkCreateOpts *o)
{
    char err[1024];
    if (o->backing_file && !o->backing_fmt)
        die("%s: a backing file needs its format too (-F raw|qcow2 or "
            "-o backing_fmt=...)", file);
    if (o->backing_file && !o->size)
        o->size = backing_size(file, o->backing_file, o->backing_fmt);
    print_formatting(file, o);
    if (blk_create(file, o, err, sizeof(err)) < 0)
        die("%s", err);
}

static int cmd_create(int argc, char **argv)
{
    BlkCreateOpts o = { .fmt = "raw" };
    int c;
    char *opts = NULL;
    while ((c = getopt(argc, argv, "qf:b:F:o:u")) != -1) {
        switch (c) {
        case 'b': o.backing_file = optarg; break;
        case 'F': o.backing_fmt = optarg; break;
        case 'o': opts = optarg; break;
        default:
            if (!common_opt(c, &o.fmt, NULL))
                return 1;
        }
    }
    if (opts)
        parse_opts(opts, &o);
    if (optind >= argc)
        die("create: expecting a file name");
    const char *file = argv[optind++];
    if (optind < argc)
        o.size = parse_size_or_die(argv[optind++], "size");
    else if (!o.backing_file && !o.size)
        die("create: expecting a size for %s", file);
    if (optind < argc)
        die("create: unexpected argument '%s'", argv[optind]);
    do_create(file, &o);
    return 0;
}

/* ---- info ---- */

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

/* The LUKS fields of format-specific information, JSON, at `ind`. */
static void luks_json(const BlkLuksInfo *l, int ind, bool qcow2)
{
    printf("%*s\"ivgen-alg\": \"%s\",\n", ind, "", l->ivgen_alg);
    printf("%*s\"hash-alg\": \"%s\",\n", ind, "", l->hash_alg);
    printf("%*s\"cipher-alg\": \"%s\",\n", ind, "", l->cipher_alg);
    printf("%*s\"uuid\": ", ind, "");
    json_str(l->uuid);
    printf(",\n");
    if (qcow2)
        printf("%*s\"format\": \"luks\",\n", ind, "");
    printf("%*s\"cipher-mode\": \"%s\",\n", ind, "", l->cipher_mode);
    printf("%*s\"slots\": [\n", ind, "");
    for (int i = 0; i < 8; i++) {
        printf("%*s{\n", ind + 4, "");
        printf("%*s\"active\": %s,\n", ind + 8, "",
               l->slots[i].active ? "true" : "false");
        if (l->slots[i].active)
            printf("%*s\"iters\": %u,\n", ind + 8, "", l->slots[i].iters);
        printf("%*s\"key-offset\": %" PRIu64 "%s\n", ind + 8, "",
               l->slots[i].key_offset, l->slots[i].active ? "," : "");
        if (l->slots[i].active)
            printf("%*s\"stripes\": %u\n", ind + 8, "",
                   l->slots[i].stripes);
        printf("%*s}%s\n", ind + 4, "", i < 7 ? "," : "");
    }
    printf("%*s],\n", ind, "");
    printf("%*s\"payload-offset\": %" PRIu64 ",\n", ind, "",
           l->payload_offset);
    printf("%*s\"master-key-iters\": %u\n", ind, "", l->master_key_iters);
}

static void luks_human(const BlkLuksInfo *l, int ind, bool qcow2)
{
    printf("%*sivgen alg: %s\n%*shash alg: %s\n%*scipher alg: %s\n"
           "%*suuid: %s\n", ind, "", l->ivgen_alg, ind, "", l->hash_alg, ind,
           "", l->cipher_alg, ind, "", l->uuid);
    if (qcow2)
        printf("%*sformat: luks\n", ind, "");
    printf("%*scipher mode: %s\n%*sslots:\n", ind, "", l->cipher_mode, ind,
           "");
    for (int i = 0; i < 8; i++) {
        printf("%*s[%d]:\n%*sactive: %s\n", ind + 4, "", i, ind + 8, "",
               l->slots[i].active ? "true" : "false");
        if (l->slots[i].active)
            printf("%*siters: %u\n", ind + 8, "", l->slots[i].iters);
        printf("%*skey offset: %" PRIu64 "\n", ind + 8, "",
               l->slots[i].key_offset);
        if (l->slots[i].active)
            printf("%*sstripes: %u\n", ind + 8, "", l->slots[i].stripes);
    }
    printf("%*spayload offset: %" PRIu64 "\n%*smaster key iters: %u\n", ind,
           "", l->payload_offset, ind, "", l->master_key_iters);
}

static int cmd_info(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    static const struct option lo[] = {
        { "output", required_argument, NULL, 'j' },
        { "format", required_argument, NULL, 'f' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "f:U", lo, NULL)) != -1) {
        if (!common_opt(c, &fmt, &output))
            return 1;
    }
    if (optind + 1 != argc)
        die("info: expecting one file name");
    const char *file = argv[optind];
    /* As qemu-img, info needs no password: the header only. */
    BlockDev *bs = open_img(file, fmt, BLK_O_NO_BACKING | BLK_O_NO_KEY);
    BlkInfo in;
    blk_info(bs, &in);
    uint64_t actual = blk_actual_size(bs);
    bool luks = !strcmp(in.format, "luks");
    bool qcow2 = !strcmp(in.format, "qcow2");
    char *full = in.backing_file ? path_beside(file, in.backing_file) : NULL;
    BlkSnapshot *snaps = NULL;
    int nsnaps = 0;
    if (blk_snapshot_list(bs, &snaps, &nsnaps) < 0)
        die("%s", blk_error(bs));
    BlkBitmap *bm = NULL;
    int nbm = 0;
    if (blk_bitmap_list(bs, &bm, &nbm) < 0)
        die("%s", blk_error(bs));
    if (!strcmp(output, "json")) {
        printf("{\n");
        if (nsnaps) {
            printf("    \"snapshots\": [\n");
            for (int i = 0; i < nsnaps; i++) {
                printf("        {\n            \"icount\": %" PRIu64 ",\n"
                       "            \"vm-clock-nsec\": %" PRIu64 ",\n"
                       "            \"name\": ", snaps[i].icount,
                       snaps[i].vm_clock_nsec % 1000000000);
                json_str(snaps[i].name);
                printf(",\n            \"date-sec\": %u,\n"
                       "            \"date-nsec\": %u,\n"
                       "            \"vm-clock-sec\": %" PRIu64 ",\n"
                       "            \"id\": ", snaps[i].date_sec,
                       snaps[i].date_nsec,
                       snaps[i].vm_clock_nsec / 1000000000);
                json_str(snaps[i].id);
                printf(",\n            \"vm-state-size\": %" PRIu64
                       "\n        }%s\n", snaps[i].vm_state_size,
                       i + 1 < nsnaps ? "," : "");
            }
            printf("    ],\n");
        }
        if (in.backing_fmt) {
            printf("    \"backing-filename-format\": ");
            json_str(in.backing_fmt);
            printf(",\n");
        }
        printf("    \"virtual-size\": %" PRIu64 ",\n", in.virtual_size);
        printf("    \"filename\": ");
        json_str(file);
        printf(",\n");
        if (qcow2)
            printf("    \"cluster-size\": %u,\n", in.cluster_size);
        printf("    \"format\": \"%s\",\n", in.format);
        printf("    \"actual-size\": %" PRIu64 ",\n", actual);
        if (qcow2) {
            printf("    \"format-specific\": {\n"
                   "        \"type\": \"qcow2\",\n"
                   "        \"data\": {\n"
                   "            \"compat\": \"%s\",\n", in.version == 2 ? "0.10" : "1.1");
            printf("            \"compression-type\": \"%s\",\n",
                   in.compression_type);
            if (in.version >= 3)
                printf("            \"lazy-refcounts\": %s,\n",
                       in.lazy_refcounts ? "true" : "false");
            if (nbm) {
                printf("            \"bitmaps\": [\n");
                for (int i = 0; i < nbm; i++) {
                    printf("                {\n                    \"flags\": [\n");
                    bool first = true;
                    if (bm[i].flags & BLK_BITMAP_IN_USE) {
                        printf("                        \"in-use\"");
                        first = false;
                    }
                    if (bm[i].flags & BLK_BITMAP_AUTO)
                        printf("%s                        \"auto\"",
                               first ? "" : ",\n");
                    if (bm[i].flags & (BLK_BITMAP_IN_USE | BLK_BITMAP_AUTO))
                        printf("\n");
                    printf("                    ],\n                    \"name\": ");
                    json_str(bm[i].name);
                    printf(",\n                    \"granularity\": %u\n"
                           "                }%s\n", bm[i].granularity,
                           i + 1 < nbm ? "," : "");
                }
                printf("            ],\n");
            }
            printf("            \"refcount-bits\": %d", in.refcount_bits);
            if (in.has_luks) {
                printf(",\n            \"encrypt\": {\n");
                luks_json(&in.luks, 16, true);
                printf("            }");
            }
            if (in.version >= 3)
                printf(",\n            \"corrupt\": %s,\n"
                       "            \"extended-l2\": false\n",
                       in.corrupt ? "true" : "false");
            else
                printf("\n");
            printf("        }\n    },\n");
        } else if (luks) {
            printf("    \"format-specific\": {\n"
                   "        \"type\": \"luks\",\n"
                   "        \"data\": {\n");
            luks_json(&in.luks, 12, false);
            printf("        }\n    },\n");
        }
        if (in.encrypted)
            printf("    \"encrypted\": true,\n");
        if (in.backing_file) {
            printf("    \"full-backing-filename\": ");
            json_str(full);
            printf(",\n    \"backing-filename\": ");
            json_str(in.backing_file);
            printf(",\n");
        }
        printf("    \"dirty-flag\": %s\n}\n", in.dirty ? "true" : "false");
    } else if (!strcmp(output, "human")) {
        char b1[32], b2[32];
        printf("image: %s\nfile format: %s\n", file, in.format);
        printf("virtual size: %s (%" PRIu64 " bytes)\n",
               size_str(in.virtual_size, b1, sizeof(b1)), in.virtual_size);
        printf("disk size: %s\n", size_str(actual, b2, sizeof(b2)));
        if (in.encrypted)
            printf("encrypted: yes\n");
        if (qcow2)
            printf("cluster_size: %u\n", in.cluster_size);
        if (in.backing_file) {
            printf("backing file: %s", in.backing_file);
            if (strcmp(full, in.backing_file))
                printf(" (actual path: %s)", full);
            printf("\n");
        }
        if (in.backing_fmt)
            printf("backing file format: %s\n", in.backing_fmt);
        print_snapshots(snaps, nsnaps);
        if (qcow2) {
            printf("Format specific information:\n");
            printf("    compat: %s\n", in.version == 2 ? "0.10" : "1.1");
            printf("    compression type: %s\n", in.compression_type);
            if (in.version >= 3)
                printf("    lazy refcounts: %s\n",
                       in.lazy_refcounts ? "true" : "false");
            if (nbm)
                printf("    bitmaps:\n");
            for (int i = 0; i < nbm; i++) {
                int k = 0;
                printf("        [%d]:\n            flags:\n", i);
                if (bm[i].flags & BLK_BITMAP_IN_USE)
                    printf("                [%d]: in-use\n", k++);
                if (bm[i].flags & BLK_BITMAP_AUTO)
                    printf("                [%d]: auto\n", k++);
                printf("            name: %s\n            granularity: %u\n",
                       bm[i].name, bm[i].granularity);
            }
            printf("    refcount bits: %d\n", in.refcount_bits);
            if (in.has_luks) {
                printf("    encrypt:\n");
                luks_human(&in.luks, 8, true);
            }
            if (in.version >= 3)
                printf("    corrupt: %s\n    extended l2: false\n",
                       in.corrupt ? "true" : "false");
        } else if (luks) {
            printf("Format specific information:\n");
            luks_human(&in.luks, 4, false);
        }
    } else {
        die("--output must be human or json, not '%s'", output);
    }
    blk_snapshot_list_free(snaps, nsnaps);
    blk_bitmap_list_free(bm, nbm);
    free(full);
    blk_close(bs);
    return 0;
}

/* ---- snapshot ---- */

static int cmd_snapshot(int argc, char **argv)
{
    const char *fmt = NULL, *arg = NULL;
    int op = 0;
    int c;
    while ((c = getopt(argc, argv, "lf:qUc:d:a:")) != -1) {
        switch (c) {
        case 'l': case 'c': case 'd': case 'a':
            if (op && op != c)
                die("snapshot: only one of -l, -c, -a, -d");
            op = c;
            if (c != 'l')
                arg = optarg;
            break;
        default:
            if (!common_opt(c, &fmt, NULL))
                return 1;
        }
    }
    if (!op || optind + 1 != argc)
        die("snapshot: expecting one of -l, -c, -a, -d and one file name");
    if (op != 'l') {
        BlockDev *bs = open_img(argv[optind], fmt,
                                BLK_O_RDWR | BLK_O_NO_BACKING);
        int r = op == 'c' ? blk_snapshot_create(bs, arg)
              : op == 'a' ? blk_snapshot_apply(bs, arg)
                          : blk_snapshot_delete(bs, arg);
        if (r < 0 || blk_flush(bs) < 0)
            die("%s", blk_error(bs));
        blk_close(bs);
        return 0;
    }
    BlockDev *bs = open_img(argv[optind], fmt, BLK_O_NO_BACKING);
    BlkSnapshot *s;
    int n;
    if (blk_snapshot_list(bs, &s, &n) < 0)
        die("%s", blk_error(bs));
    print_snapshots(s, n);
    blk_snapshot_list_free(s, n);
    blk_close(bs);
    return 0;
}

/* ---- bitmap ---- */

static int cmd_bitmap(int argc, char **argv)
{
    enum { O_ADD = 256, O_REMOVE, O_CLEAR, O_ENABLE, O_DISABLE, O_MERGE };
    static const struct option lo[] = {
        { "add", no_argument, NULL, O_ADD },
        { "remove", no_argument, NULL, O_REMOVE },
        { "clear", no_argument, NULL, O_CLEAR },
        { "enable", no_argument, NULL, O_ENABLE },
        { "disable", no_argument, NULL, O_DISABLE },
        { "merge", required_argument, NULL, O_MERGE },
        { "granularity", required_argument, NULL, 'g' },
        { NULL, 0, NULL, 0 },
    };
    struct { int op; const char *src; } ops[64];
    int nops = 0;
    const char *fmt = NULL, *src_file = NULL, *src_fmt = NULL;
    uint64_t gran = 0;
    int c;
    while ((c = getopt_long(argc, argv, "f:b:F:g:q", lo, NULL)) != -1) {
        switch (c) {
        case O_ADD: case O_REMOVE: case O_CLEAR: case O_ENABLE:
        case O_DISABLE: case O_MERGE:
            if (nops == 64)
                die("bitmap: too many operations");
            ops[nops].op = c;
            ops[nops++].src = c == O_MERGE ? optarg : NULL;
            break;
        case 'b': src_file = optarg; break;
        case 'F': src_fmt = optarg; break;
        case 'g': gran = parse_size_or_die(optarg, "granularity"); break;
        default:
            if (!common_opt(c, &fmt, NULL))
                return 1;
        }
    }
    if (!nops)
        die("bitmap: need at least one of --add, --remove, --clear, "
            "--enable, --disable, --merge");
    if (optind + 2 != argc)
        die("bitmap: expecting a file name and a bitmap name");
    if (gran && (gran > UINT32_MAX))
        die("bitmap: granularity too large");
    const char *file = argv[optind], *name = argv[optind + 1];
    BlockDev *bs = open_img(file, fmt,
                            BLK_O_RDWR | BLK_O_BITMAPS | BLK_O_NO_BACKING);
    for (int i = 0; i < nops; i++) {
        BlkBitmapEdit ed = { .name = name };
        uint8_t *bits = NULL;
        switch (ops[i].op) {
        case O_ADD: ed.op = BLK_BM_ADD; break;
        case O_REMOVE: ed.op = BLK_BM_REMOVE; break;
        case O_CLEAR: ed.op = BLK_BM_CLEAR; break;
        case O_ENABLE: ed.op = BLK_BM_ENABLE; break;
        case O_DISABLE: ed.op = BLK_BM_DISABLE; break;
        case O_MERGE: {
            ed.op = BLK_BM_MERGE;
            BlockDev *src = src_file ? open_img(src_file, src_fmt,
                                                BLK_O_NO_BACKING) : bs;
            if (blk_bitmap_load(src, ops[i].src, &bits, &ed.src_nbits,
                                &ed.src_granularity) < 0)
                die("%s", blk_error(src));
            if (blk_size(src) != blk_size(bs))
                die("bitmap: %s and %s differ in size", blk_filename(src),
                    file);
            if (src != bs)
                blk_close(src);
            ed.bits = bits;
            break;
        }
        }
        if (ed.op == BLK_BM_ADD)
            ed.granularity = (uint32_t)gran;
        if (blk_bitmap_edit(bs, &ed) < 0)
            die("%s", blk_error(bs));
        free(bits);
    }
    if (blk_flush(bs) < 0)
        die("%s", blk_error(bs));
    blk_close(bs);
    return 0;
}

/* ---- check ---- */

static void print_check(const char *file, const char *fmt,
                        const BlkCheckResult *r, bool json)
{
    if (json) {
        printf("{\n    \"image-end-offset\": %" PRIu64 ",\n",
               r->image_end_offset);
        if (r->compressed_clusters)
            printf("    \"compressed-clusters\": %" PRIu64 ",\n",
                   r->compressed_clusters);
        printf("    \"total-clusters\": %" PRIu64 ",\n", r->total_clusters);
        printf("    \"check-errors\": %" PRIu64 ",\n", r->check_errors);
        if (r->leaks)
            printf("    \"leaks\": %" PRIu64 ",\n", r->leaks);
        if (r->corruptions)
            printf("    \"corruptions\": %" PRIu64 ",\n", r->corruptions);
        if (r->leaks_fixed)
            printf("    \"leaks-fixed\": %" PRIu64 ",\n", r->leaks_fixed);
        if (r->corruptions_fixed)
            printf("    \"corruptions-fixed\": %" PRIu64 ",\n",
                   r->corruptions_fixed);
        printf("    \"allocated-clusters\": %" PRIu64 ",\n",
               r->allocated_clusters);
        printf("    \"filename\": ");
        json_str(file);
        printf(",\n    \"format\": \"%s\"", fmt);
        if (r->fragmented_clusters)
            printf(",\n    \"fragmented-clusters\": %" PRIu64,
                   r->fragmented_clusters);
        printf("\n}\n");
        return;
    }
    if (quiet)
        return;
    if (!r->corruptions && !r->leaks && !r->check_errors)
        printf("No errors were found on the image.\n");
    else {
        if (r->corruptions)
            printf("\n%" PRIu64 " errors were found on the image.\nData may be "
                   "corrupted, or further writes to the image may corrupt "
                   "it.\n", r->corruptions);
        if (r->leaks)
            printf("\n%" PRIu64 " leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n",
                   r->leaks);
    }
    if (r->total_clusters)
        printf("%" PRIu64 "/%" PRIu64 " = %0.2f%% allocated, %0.2f%% "
               "fragmented, %0.2f%% compressed clusters\n",
               r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->allocated_clusters ?
                   r->fragmented_clusters * 100.0 / r->allocated_clusters : 0,
               r->allocated_clusters ?
                   r->compressed_clusters * 100.0 / r->allocated_clusters : 0);
    if (r->image_end_offset)
        printf("Image end offset: %" PRIu64 "\n", r->image_end_offset);
}

static int cmd_check(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    int fix = 0;
    static const struct option lo[] = {
        { "output", required_argument, NULL, 'j' },
        { "repair", required_argument, NULL, 'r' },
        { "format", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "f:r:qU", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (!strcmp(optarg, "leaks"))
                fix = 1;
            else if (!strcmp(optarg, "all"))
                fix = 2;
            else
                die("check: -r takes leaks or all, not '%s'", optarg);
            break;
        default:
            if (!common_opt(c, &fmt, &output))
                return 1;
        }
    }
    if (optind + 1 != argc)
        die("check: expecting one file name");
    bool json = output_json(output);
    const char *file = argv[optind];
    /* The refcount walk reads no guest data: no password needed. */
    BlockDev *bs = open_img(file, fmt, BLK_O_NO_BACKING | BLK_O_CHECK |
                            BLK_O_NO_KEY | (fix ? BLK_O_RDWR : 0));
    if (strcmp(blk_format(bs), "qcow2")) {
        fprintf(stderr, "%s: This image format does not support checks\n",
                prog);
        blk_close(bs);
        return 63;
    }
    BlkCheckResult r;
    if (blk_check(bs, fix, &r) < 0) {
        fprintf(stderr, "%s: Check failed: %s\n", prog, blk_error(bs));
        blk_close(bs);
        return 1;
    }
    if (r.leaks_fixed || r.corruptions_fixed) {
        if (!json && !quiet)
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %" PRIu64 " leaked clusters\n    %" PRIu64
                   " corruptions\n\nDouble checking the fixed image now...\n",
                   r.leaks_fixed, r.corruptions_fixed);
        BlkCheckResult again;
        if (blk_flush(bs) < 0 || blk_check(bs, 0, &again) < 0) {
            fprintf(stderr, "%s: Check failed: %s\n", prog, blk_error(bs));
            blk_close(bs);
            return 1;
        }
        again.leaks_fixed = r.leaks_fixed;
        again.corruptions_fixed = r.corruptions_fixed;
        r = again;
    }
    if (fix && blk_flush(bs) < 0)
        die("%s", blk_error(bs));
    print_check(file, blk_format(bs), &r, json);
    blk_close(bs);
    if (r.check_errors)
        return 1;
    if (r.corruptions)
        return 2;
    if (r.leaks)
        return 3;
    return 0;
}

/* ---- map ---- */

typedef struct MapEntry {
    uint64_t start, length, offset;
    int depth, flags;
    bool has_offset;
    bool present;
} MapEntry;

static bool map_mergeable(const MapEntry *a, const MapEntry *b)
{
    if (a->depth != b->depth || a->flags != b->flags ||
        a->present != b->present || a->has_offset != b->has_offset)
        return false;
    return !a->has_offset || a->offset + a->length == b->offset;
}

static void map_print(const MapEntry *e, bool json, bool first,
                      const char *filename)
{
    if (json) {
        printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64
               ", \"depth\": %d, \"present\": %s, \"zero\": %s, \"data\": %s",
               first ? "[" : ",\n", e->start, e->length, e->depth,
               e->present ? "true" : "false",
               (e->flags & BLK_ST_ZERO) ? "true" : "false",
               (e->flags & BLK_ST_DATA) ? "true" : "false");
        if (e->has_offset)
            printf(", \"offset\": %" PRIu64, e->offset);
        printf("}");
    } else if ((e->flags & BLK_ST_DATA) && e->has_offset) {
        printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n", e->start,
               e->length, e->offset, filename);
    }
}

static int cmd_map(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    uint64_t start = 0, maxlen = UINT64_MAX;
    static const struct option lo[] = {
        { "output", required_argument, NULL, 'j' },
        { "start-offset", required_argument, NULL, 's' },
        { "max-length", required_argument, NULL, 'l' },
        { "format", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "f:U", lo, NULL)) != -1) {
        switch (c) {
        case 's': start = parse_size_or_die(optarg, "start offset"); break;
        case 'l': maxlen = parse_size_or_die(optarg, "max length"); break;
        default:
            if (!common_opt(c, &fmt, &output))
                return 1;
        }
    }
    if (optind + 1 != argc)
        die("map: expecting one file name");
    bool json = output_json(output);
    BlockDev *bs = open_img(argv[optind], fmt, 0);
    uint64_t end = blk_size(bs);
    if (start > end)
        start = end;
    if (maxlen < end - start)
        end = start + maxlen;
    if (!json)
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to",
               "File");
    MapEntry cur = { 0 };
    bool have = false, first = true;
    const char *curfile = NULL;
    for (uint64_t off = start; off < end;) {
        uint64_t n;
        BlkStatus st;
        uint64_t want = end - off < (1ull << 30) ? end - off : (1ull << 30);
        if (blk_block_status(bs, off, want, &n, &st) < 0)
            die("%s", blk_error(bs));
        if (n == 0)
            die("%s: no progress mapping offset %" PRIu64, argv[optind], off);
        MapEntry e = {
            .start = off, .length = n, .depth = st.depth,
            .flags = st.flags & (BLK_ST_ZERO | BLK_ST_DATA | BLK_ST_COMPRESSED),
            .has_offset = (st.flags & BLK_ST_OFFSET) != 0,
            .offset = st.host_offset,
            .present = (st.flags & BLK_ST_ALLOCATED) != 0,
        };
        if (have && map_mergeable(&cur, &e) && curfile == st.filename) {
            cur.length += n;
        } else {
            if (have) {
                map_print(&cur, json, first, curfile);
                first = false;
            }
            cur = e;
            curfile = st.filename;
            have = true;
        }
        off += n;
    }
    if (have)
        map_print(&cur, json, first, curfile);
    if (json)
        printf("%s]\n", first && !have ? "[" : "");
    blk_close(bs);
    return 0;
}

/* ---- convert ---- */

static bool is_zero(const uint8_t *p, size_t n)
{
    /* The first 16 bytes one by one (most data fails there), then the
     * rest compared with itself 16 bytes on: libc's vectorised memcmp. */
    size_t head = n < 16 ? n : 16;
    for (size_t i = 0; i < head; i++)
        if (p[i])
            return false;
    return n <= 16 || !memcmp(p, p + 16, n - 16);
}

typedef struct Source {
    BlockDev **bs;
    int n;
    uint64_t size;
} Source;

/* Reads [off, off+len) of the concatenated sources. */
static void source_read(Source *s, uint64_t off, uint8_t *buf, size_t len)
{
    uint64_t base = 0;
    for (int i = 0; i < s->n && len; i++) {
        uint64_t sz = blk_size(s->bs[i]);
        if (off < base + sz) {
            uint64_t in = off - base;
            size_t k = sz - in < len ? (size_t)(sz - in) : len;
            if (blk_read(s->bs[i], in, buf, k) < 0)
                die("%s", blk_error(s->bs[i]));
            buf += k;
            off += k;
            len -= k;
        }
        base += sz;
    }
}

/*
 * Fills buf with [off, off+len) of the sources, reading only what the
 * block status does not call zero (holes and zero clusters are cleared
 * instead). True if all of it is zero that way.
 */
static bool source_fill(Source *s, uint64_t off, uint8_t *buf, size_t len)
{
    uint64_t base = 0;
    bool all_zero = true;
    for (int i = 0; i < s->n && len; i++) {
        uint64_t sz = blk_size(s->bs[i]);
        if (off < base + sz) {
            uint64_t in = off - base;
            size_t k = sz - in < len ? (size_t)(sz - in) : len;
            while (k) {
                uint64_t n;
                BlkStatus st;
                if (blk_block_status(s->bs[i], in, k, &n, &st) < 0)
                    die("%s", blk_error(s->bs[i]));
                if (!n || n > k)
                    n = k;
                if (st.flags & BLK_ST_ZERO) {
                    memset(buf, 0, (size_t)n);
                } else {
                    if (blk_read(s->bs[i], in, buf, (size_t)n) < 0)
                        die("%s", blk_error(s->bs[i]));
                    all_zero = false;
                }
                buf += n;
                in += n;
                off += n;
                len -= (size_t)n;
                k -= (size_t)n;
            }
        }
        base += sz;
    }
    return all_zero;
}

/*
 * convert reads ahead on a thread of its own: while the main thread
 * writes chunk i, the reader fills chunk i+1 and marks its zero pieces
 * (so reading, zero detection and writing overlap, as qemu-img's
 * coroutines do). Only the reader touches the sources. With -c the
 * chunks are handed to blk_write_compressed_async, which compresses them
 * in place on the target's threads while the main thread goes on: a
 * chunk goes back to the reader when the main thread and every
 * compressed write of it are done with it (pins), oldest first.
 */
#define READ_AHEAD 3
/* With -c: up to BLK_COMPRESS_INFLIGHT chunks held by the target, and
 * as many read ahead as without. */
#define READ_BUFS (BLK_COMPRESS_INFLIGHT + READ_AHEAD)

struct Reader;

typedef struct Chunk {
    uint8_t *buf;
    uint64_t off;
    size_t n;
    bool *pzero;              /* per piece of `step` bytes */
    int pins;                 /* main thread only: holders of buf */
    struct Reader *r;
} Chunk;

typedef struct Reader {
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    Source *src;
    uint64_t chunk, step, sparse;
    Chunk c[READ_BUFS];
    int nbuf;                 /* buffers in use: READ_AHEAD or READ_BUFS */
    int filled;               /* filled and not handed back (locked) */
    int got, gi, pi;          /* main thread: chunks it holds, the next
                               * to get, the oldest it holds */
} Reader;

static void *reader_main(void *arg)
{
    Reader *r = arg;
    int w = 0;
    for (uint64_t off = 0; off < r->src->size; off += r->chunk) {
        pthread_mutex_lock(&r->lock);
        while (r->filled == r->nbuf)
            pthread_cond_wait(&r->cv, &r->lock);
        pthread_mutex_unlock(&r->lock);
        Chunk *c = &r->c[w];
        size_t n = r->src->size - off < r->chunk
                   ? (size_t)(r->src->size - off) : (size_t)r->chunk;
        c->off = off;
        c->n = n;
        bool zero = false;
        if (r->sparse)
            zero = source_fill(r->src, off, c->buf, n);
        else
            source_read(r->src, off, c->buf, n);
        size_t i = 0;
        for (uint64_t p = 0; p < n; p += r->step, i++) {
            size_t k = n - p < r->step ? (size_t)(n - p) : (size_t)r->step;
            c->pzero[i] = r->sparse && (zero || is_zero(c->buf + p, k));
        }
        pthread_mutex_lock(&r->lock);
        r->filled++;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->lock);
        w = (w + 1) % r->nbuf;
    }
    return NULL;
}

/* The next chunk, pinned once (by the main thread). */
static Chunk *reader_get(Reader *r)
{
    pthread_mutex_lock(&r->lock);
    while (r->filled == r->got)
        pthread_cond_wait(&r->cv, &r->lock);
    pthread_mutex_unlock(&r->lock);
    Chunk *c = &r->c[r->gi];
    r->gi = (r->gi + 1) % r->nbuf;
    r->got++;
    c->pins = 1;
    return c;
}

/* Drops a pin; chunks nobody holds go back to the reader, in order. */
static void chunk_unpin(void *opaque)
{
    Chunk *c = opaque;
    Reader *r = c->r;
    c->pins--;
    while (r->got && !r->c[r->pi].pins) {
        pthread_mutex_lock(&r->lock);
        r->filled--;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->lock);
        r->pi = (r->pi + 1) % r->nbuf;
        r->got--;
    }
}

/* convert --bitmaps: the source's persistent bitmaps, bits and flags. */
static void copy_bitmaps(BlockDev *src, const char *target, bool skip_broken)
{
    BlkBitmap *list;
    int n;
    if (blk_bitmap_list(src, &list, &n) < 0)
        die("%s", blk_error(src));
    if (!n) {
        free(list);
        return;
    }
    BlockDev *dst = open_img(target, "qcow2",
                             BLK_O_RDWR | BLK_O_BITMAPS | BLK_O_NO_BACKING);
    for (int i = 0; i < n; i++) {
        if (list[i].flags & BLK_BITMAP_IN_USE) {
            if (skip_broken)
                continue;
            die("%s: cannot copy inconsistent bitmap '%s' (try "
                "--skip-broken-bitmaps)", blk_filename(src), list[i].name);
        }
        BlkBitmapEdit ed = { .op = BLK_BM_ADD, .name = list[i].name,
                             .granularity = list[i].granularity,
                             .disabled = !(list[i].flags & BLK_BITMAP_AUTO) };
        uint8_t *bits;
        if (blk_bitmap_load(src, list[i].name, &bits, &ed.src_nbits,
                            &ed.src_granularity) < 0)
            die("%s", blk_error(src));
        ed.bits = bits;
        if (blk_bitmap_edit(dst, &ed) < 0)
            die("%s", blk_error(dst));
        free(bits);
    }
    if (blk_flush(dst) < 0)
        die("%s", blk_error(dst));
    blk_close(dst);
    blk_bitmap_list_free(list, n);
}

static int cmd_convert(int argc, char **argv)
{
    const char *fmt = NULL, *ofmt = "raw", *backing = NULL, *bfmt = NULL;
    char *opts = NULL;
    bool compress = false, progress = false, no_create = false;
    uint64_t sparse = 4096;
    bool bitmaps = false, skip_broken = false;
    static const struct option lo[] = {
        { "bitmaps", no_argument, NULL, 'M' },
        { "skip-broken-bitmaps", no_argument, NULL, 'K' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "f:O:B:F:o:cpnS:qUW", lo, NULL)) != -1) {
        switch (c) {
        case 'M': bitmaps = true; break;
        case 'K': skip_broken = true; break;
        case 'f': fmt = optarg; break;
        case 'O': ofmt = optarg; break;
        case 'B': backing = optarg; break;
        case 'F': bfmt = optarg; break;
        case 'o': opts = optarg; break;
        case 'c': compress = true; break;
        case 'p': progress = true; break;
        case 'n': no_create = true; break;
        case 'S': sparse = parse_size_or_die(optarg, "sparse size"); break;
        case 'q': quiet = true; break;
        case 'U': case 'W': break;
        default: usage(stderr); return 1;
        }
    }
    if (argc - optind < 2)
        die("convert: expecting a source and a target file name");
    if (target_image_opts && !no_create)
        die("convert: --target-image-opts needs -n (the target must exist)");
    if (sparse % 512)
        die("convert: -S %" PRIu64 " is not a multiple of 512", sparse);
    Source src = { .n = argc - optind - 1 };
    src.bs = xmalloc(sizeof(BlockDev *) * (size_t)src.n);
    for (int i = 0; i < src.n; i++) {
        src.bs[i] = open_img(argv[optind + i], fmt, 0);
        src.size += blk_size(src.bs[i]);
    }
    const char *target = argv[argc - 1];
    BlkCreateOpts o = { .fmt = ofmt, .size = src.size };
    if (opts)
        parse_opts(opts, &o);
    if (backing) {
        o.backing_file = backing;
        o.backing_fmt = bfmt;
    }
    if (bitmaps && (src.n != 1 || strcmp(ofmt, "qcow2")))
        die("convert: --bitmaps needs one source and -O qcow2");
    if (compress && strcmp(ofmt, "qcow2"))
        die("convert: -c needs -O qcow2 (format %s has no compression)",
            ofmt);
    if (!no_create) {
        bool q = quiet;
        quiet = true; /* convert does not print "Formatting" */
        do_create(target, &o);
        quiet = q;
    }
    BlockDev *dst;
    {
        char err[1024];
        dst = target_image_opts
            ? open_spec(target, NULL, BLK_O_RDWR, true, err, sizeof(err))
            : blk_open_key(target, ofmt, BLK_O_RDWR, o.key_secret, err,
                           sizeof(err));
        if (!dst)
            die("%s", err);
    }
    if (blk_size(dst) < src.size)
        die("%s: target is smaller (%" PRIu64 " bytes) than the source (%"
            PRIu64 " bytes)", target, blk_size(dst), src.size);
    bool qcow2 = !strcmp(blk_format(dst), "qcow2");
    uint64_t cs = qcow2 ? blk_cluster_size(dst) : 65536;
    /* 4 MiB at a time: fewer calls, and enough clusters for the qcow2
     * driver to compress on all its threads at once. */
    uint64_t chunk = cs > 4 * CHUNK ? cs : 4 * CHUNK;
    BlockDev *bk = blk_backing(dst);
    uint8_t *bbuf = bk ? xmalloc(chunk) : NULL;
    /* A fresh target without backing already reads as zeroes. */
    bool fresh_zero = !no_create && !bk && sparse && blk_zero_init(dst);
    int last_pct = -1;
    /* Look at it cluster by cluster (or sparse-size pieces for raw); data
     * pieces that follow each other are written with one call. */
    uint64_t step = qcow2 ? cs : (sparse ? sparse : chunk);
    Reader rd = { .src = &src, .chunk = chunk, .step = step,
                  .sparse = sparse, .nbuf = compress ? READ_BUFS : READ_AHEAD };
    for (int i = 0; i < rd.nbuf; i++) {
        rd.c[i].buf = xmalloc(chunk);
        rd.c[i].pzero = xmalloc((size_t)((chunk + step - 1) / step));
        rd.c[i].r = &rd;
    }
    pthread_mutex_init(&rd.lock, NULL);
    pthread_cond_init(&rd.cv, NULL);
    if (pthread_create(&rd.tid, NULL, reader_main, &rd))
        die("convert: cannot start the reader thread");
    for (uint64_t off = 0; off < src.size; off += chunk) {
        /* every buffer held (by compressed writes in flight): store them */
        if (rd.got == rd.nbuf && blk_drain(dst) < 0)
            die("%s", blk_error(dst));
        Chunk *ch = reader_get(&rd);
        uint8_t *buf = ch->buf;
        size_t n = ch->n;
        if (progress && !quiet) {
            int pct = (int)(off * 10000 / (src.size ? src.size : 1));
            if (pct != last_pct) {
                printf("    (%.2f/100%%)\r", pct / 100.0);
                fflush(stdout);
                last_pct = pct;
            }
        }
        size_t run = 0, run_len = 0; /* data not yet written */
        size_t k, piece = 0;
        for (uint64_t p = 0;; p += k, piece++) {
            k = p == n ? 0 : n - p < step ? (size_t)(n - p) : (size_t)step;
            bool pzero = k && ch->pzero[piece];
            bool skip = false;
            if (k && bk) { /* skip what the backing file already holds */
                if (blk_read(dst, off + p, bbuf, k) < 0)
                    die("%s", blk_error(dst));
                skip = pzero ? is_zero(bbuf, k) : !memcmp(bbuf, buf + p, k);
            }
            if (k && !pzero && !skip) {
                if (!run_len)
                    run = (size_t)p;
                run_len += k;
                continue;
            }
            if (run_len) {
                if (compress)
                    ch->pins++;
                int r = compress
                    ? blk_write_compressed_async(dst, off + run, buf + run,
                                                 run_len, chunk_unpin, ch)
                    : blk_write(dst, off + run, buf + run, run_len);
                if (r < 0)
                    die("%s", blk_error(dst));
                run_len = 0;
            }
            if (!k)
                break;
            if (skip || (pzero && fresh_zero))
                continue;
            if (blk_write_zeroes(dst, off + p, k) < 0)
                die("%s", blk_error(dst));
        }
        chunk_unpin(ch);
    }
    /* the compressed writes still in flight use the buffers */
    if (blk_drain(dst) < 0)
        die("%s", blk_error(dst));
    pthread_join(rd.tid, NULL);
    pthread_mutex_destroy(&rd.lock);
    pthread_cond_destroy(&rd.cv);
    for (int i = 0; i < rd.nbuf; i++) {
        free(rd.c[i].buf);
        free(rd.c[i].pzero);
    }
    if (progress && !quiet)
        printf("    (100.00/100%%)\n");
    if (blk_flush(dst) < 0)
        die("%s", blk_error(dst));
    blk_close(dst);
    if (bitmaps)
        copy_bitmaps(src.bs[0], target, skip_broken);
    for (int i = 0; i < src.n; i++)
        blk_close(src.bs[i]);
    free(src.bs);
    free(bbuf);
    return 0;
}

/* ---- amend (LUKS keyslots) ---- */

static int cmd_amend(int argc, char **argv)
{
    const char *fmt = NULL;
    char *opts = NULL;
    bool force = false;
    static const struct option lo[] = {
        { "force", no_argument, NULL, 'F' },
        { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "f:o:qpt:", lo, NULL)) != -1) {
        switch (c) {
        case 'o': opts = optarg; break;
        case 'F': force = true; break;
        default:
            if (!common_opt(c, &fmt, NULL))
                return 1;
        }
    }
    if (!opts)
        die("amend: expecting -o OPTIONS");
    if (optind + 1 != argc)
        die("amend: expecting one file name");
    BlockDev *bs = open_img(argv[optind], fmt, BLK_O_RDWR | BLK_O_NO_BACKING);
    bool qcow2 = !strcmp(blk_format(bs), "qcow2");
    BlkLuksAmend a = { .keyslot = -1, .force = force };
    bool have_state = false;
    for (char *tok = strtok(opts, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq)
            die("option '%s' needs a value (key=value)", tok);
        *eq = 0;
        const char *v = eq + 1, *k = tok;
        if (qcow2) {
            if (strncmp(tok, "encrypt.", 8))
                die("amend: option '%s' is not supported for qcow2 (only "
                    "encrypt.state, encrypt.new-secret, encrypt.old-secret, "
                    "encrypt.keyslot, encrypt.iter-time)", tok);
            k = tok + 8;
        }
        if (!strcmp(k, "state")) {
            if (!strcmp(v, "active"))
                a.activate = true;
            else if (strcmp(v, "inactive"))
                die("amend: %s must be active or inactive, not '%s'", tok, v);
            have_state = true;
        } else if (!strcmp(k, "new-secret")) {
            a.new_secret = v;
        } else if (!strcmp(k, "old-secret")) {
            a.old_secret = v;
        } else if (!strcmp(k, "keyslot")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || !*v || n < 0 || n > 7)
                die("Invalid keyslot %s specified, must be between 0 and 7",
                    v);
            a.keyslot = (int)n;
        } else if (!strcmp(k, "iter-time")) {
            char *end;
            long long t = strtoll(v, &end, 10);
            if (*end || t <= 0 || t > 3600000)
                die("invalid %s '%s' (milliseconds, 1 to 3600000)", tok, v);
            a.iter_time = t;
        } else {
            die("amend: unknown option '%s' (%sstate, %snew-secret, "
                "%sold-secret, %skeyslot, %siter-time)", tok,
                qcow2 ? "encrypt." : "", qcow2 ? "encrypt." : "",
                qcow2 ? "encrypt." : "", qcow2 ? "encrypt." : "",
                qcow2 ? "encrypt." : "");
        }
    }
    if (!have_state)
        die("amend: %sstate=active|inactive is required",
            qcow2 ? "encrypt." : "");
    if (blk_luks_amend(bs, &a) < 0 || blk_flush(bs) < 0)
        die("%s", blk_error(bs));
    blk_close(bs);
    return 0;
}

/* ---- resize ---- */

static int cmd_resize(int argc, char **argv)
{
    const char *fmt = NULL;
    bool shrink = false;
    static const struct option lo[] = {
        { "shrink", no_argument, NULL, 's' },
        { "format", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 } };
    int c;
    /* "-1G" is a size, not an option: stop at the first non-option. */
    while ((c = getopt_long(argc, argv, "+f:q", lo, NULL)) != -1) {
        switch (c) {
        case 's': shrink = true; break;
        default:
            if (!common_opt(c, &fmt, NULL))
                return 1;
        }
    }
    if (optind + 3 == argc && !strcmp(argv[optind + 1], "--")) {
        argv[optind + 1] = argv[optind]; /* FILE -- -SIZE */
        optind++;
    }
    if (optind + 2 != argc)
        die("resize: expecting a file name and a size");
    const char *file = argv[optind], *s = argv[optind + 1];
    BlockDev *bs = open_img(file, fmt, BLK_O_RDWR);
    uint64_t size, cur = blk_size(bs);
    if (s[0] == '+' || s[0] == '-') {
        uint64_t d = parse_size_or_die(s + 1, "size");
        if (s[0] == '-' && d > cur)
            die("%s: cannot shrink by %" PRIu64 " bytes below zero", file, d);
        if (s[0] == '+' && d > UINT64_MAX - cur)
            die("%s: size overflow", file);
        size = s[0] == '+' ? cur + d : cur - d;
    } else {
        size = parse_size_or_die(s, "size");
    }
    if (size < cur && !shrink)
        die("Use the --shrink option to perform a shrink operation.");
    if (blk_resize(bs, size, shrink) < 0 || blk_flush(bs) < 0)
        die("%s", blk_error(bs));
    blk_close(bs);
    if (!quiet)
        printf("Image resized.\n");
    return 0;
}

/* ---- measure ---- */

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
static uint64_t div_up(uint64_t v, uint64_t a) { return (v + a - 1) / a; }

/* Metadata of a fully allocated qcow2 image of `size` bytes. */
static uint64_t qcow2_full_size(uint64_t size, uint64_t cs, int rbits)
{
    uint64_t aligned = round_up(size, cs);
    uint64_t meta = cs; /* header */
    uint64_t l2e = round_up(aligned / cs, cs / 8);
    meta += l2e * 8;
    uint64_t l1e = round_up(l2e * 8 / cs, cs / 8);
    meta += l1e * 8;
    uint64_t clusters = (meta + aligned) / cs;
    uint64_t per_block = cs * 8 / (uint64_t)rbits;
    uint64_t table = 0, blocks = 0, last;
    do {
        last = table;
        blocks = div_up(clusters + table + blocks, per_block);
        table = div_up(blocks, cs / 8);
    } while (last != table);
    meta += (blocks + table) * cs;
    return meta + aligned;
}

static int cmd_measure(int argc, char **argv)
{
    const char *fmt = NULL, *ofmt = "raw", *output = "human";
    char *opts = NULL;
    uint64_t size = 0;
    bool have_size = false;
    static const struct option lo[] = {
        { "output", required_argument, NULL, 'j' },
        { "size", required_argument, NULL, 's' },
        { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "f:O:o:U", lo, NULL)) != -1) {
        switch (c) {
        case 'O': ofmt = optarg; break;
        case 'o': opts = optarg; break;
        case 's': size = parse_size_or_die(optarg, "size"); have_size = true;
            break;
        default:
            if (!common_opt(c, &fmt, &output))
                return 1;
        }
    }
    BlkCreateOpts o = { .fmt = ofmt };
    if (opts)
        parse_opts(opts, &o);
    if (have_size == (optind < argc))
        die("measure: expecting either --size or one file name");
    uint64_t cs = o.cluster_size ? o.cluster_size : 65536;
    if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1)))
        die("measure: cluster size %" PRIu64 " is not a power of two between "
            "512 and 2M", cs);
    int rbits = o.refcount_bits ? o.refcount_bits : 16;
    if (rbits < 1 || rbits > 64 || (rbits & (rbits - 1)))
        die("measure: refcount_bits %d is not a power of two up to 64", rbits);
    bool qcow2 = !strcmp(ofmt, "qcow2"), luks = !strcmp(ofmt, "luks");
    if (!qcow2 && !luks && strcmp(ofmt, "raw"))
        die("measure: unknown format '%s' (raw, qcow2, luks)", ofmt);
    /* An encrypted target adds its LUKS header (qcow2: in whole
     * clusters), as qemu-img measure counts it. */
    uint64_t hdr;
    char herr[512];
    if (blk_luks_header_size(&o, &hdr, herr, sizeof(herr)) < 0)
        die("%s", herr);
    if (qcow2)
        hdr = round_up(hdr, cs);
    uint64_t data, bm_size = 0;
    bool src_bitmaps = false;
    if (have_size) {
        data = 0;
    } else {
        BlockDev *bs = open_img(argv[optind], fmt, 0);
        size = blk_size(bs);
        data = 0;
        /* qemu-img reports bitmaps only for a source that can have them */
        src_bitmaps = !strcmp(blk_format(bs), "qcow2");
        /* Target clusters that hold something other than zeroes. */
        uint64_t last_cluster = UINT64_MAX;
        for (uint64_t off = 0; off < size;) {
            uint64_t n;
            BlkStatus st;
            if (blk_block_status(bs, off, size - off, &n, &st) < 0)
                die("%s", blk_error(bs));
            if (!(st.flags & BLK_ST_ZERO)) {
                uint64_t first = off / cs, lastc = (off + n - 1) / cs;
                if (first == last_cluster)
                    first++;
                if (lastc >= first)
                    data += (lastc - first + 1) * cs;
                last_cluster = lastc;
            }
            off += n;
        }
        /* Persistent bitmaps, as qemu-img counts them for a qcow2 target:
         * each bitmap's data clusters and table, and the directory. */
        BlkBitmap *bl;
        int nb;
        if (qcow2 && blk_bitmap_list(bs, &bl, &nb) == 0) {
            uint64_t dir = 0;
            for (int i = 0; i < nb; i++) {
                if (bl[i].flags & BLK_BITMAP_IN_USE)
                    continue;
                uint64_t bits = (size + bl[i].granularity - 1) /
                                bl[i].granularity;
                uint64_t dclusters = ((bits + 7) / 8 + cs - 1) / cs;
                uint64_t tclusters = (dclusters * 8 + cs - 1) / cs;
                bm_size += (dclusters + tclusters) * cs;
                dir += (24 + strlen(bl[i].name) + 7) & ~7ull;
            }
            bm_size += (dir + cs - 1) / cs * cs;
            blk_bitmap_list_free(bl, nb);
        }
        blk_close(bs);
        size = round_up(size, 512); /* QEMU's length is in whole sectors */
    }
    uint64_t full, req;
    if (qcow2) {
        full = qcow2_full_size(size, cs, rbits);
        req = full - (round_up(size, cs) - data);
    } else if (luks) { /* every byte is written (a luks image is not sparse) */
        full = req = size;
    } else {
        full = size;
        req = have_size ? size : (data < size ? data : size);
    }
    full += hdr;
    req += hdr;
    bool bitmaps = qcow2 && src_bitmaps;
    if (!strcmp(output, "json")) {
        printf("{\n");
        if (bitmaps)
            printf("    \"bitmaps\": %" PRIu64 ",\n", bm_size);
        printf("    \"required\": %" PRIu64 ",\n    \"fully-allocated\": %"
               PRIu64 "\n}\n", req, full);
    } else if (!strcmp(output, "human")) {
        printf("required size: %" PRIu64 "\nfully allocated size: %" PRIu64
               "\n", req, full);
        if (bitmaps)
            printf("bitmaps size: %" PRIu64 "\n", bm_size);
    } else {
        die("--output must be human or json, not '%s'", output);
    }
    return 0;
}

/* ---- compare ---- */

static int cmd_compare(int argc, char **argv)
{
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool strict = false;
    int c;
    while ((c = getopt(argc, argv, "f:F:sqpU")) != -1) {
        switch (c) {
        case 'F': fmt2 = optarg; break;
        case 's': strict = true; break;
        default:
            if (!common_opt(c, &fmt1, NULL))
                return 2;
        }
    }
    if (optind + 2 != argc) {
        fprintf(stderr, "%s: compare: expecting two file names\n", prog);
        return 2;
    }
    char err[1024];
    BlockDev *a = open_spec(argv[optind], fmt1, 0, image_opts, err,
                            sizeof(err));
    BlockDev *b = a ? open_spec(argv[optind + 1], fmt2, 0, image_opts, err,
                                sizeof(err)) : NULL;
    if (!a || !b) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    uint64_t sa = blk_size(a), sb = blk_size(b);
    if (strict && sa != sb) {
        if (!quiet)
            printf("Strict mode: Image size mismatch!\n");
        return 1;
    }
    /* The common part first; then, as qemu-img, a warning and the tail of
     * the longer image, which must read as zeroes. */
    uint64_t common = sa < sb ? sa : sb, max = sa > sb ? sa : sb;
    uint8_t *ba = xmalloc(CHUNK), *bb = xmalloc(CHUNK);
    int rc = 0;
    for (uint64_t off = 0, n; off < max && !rc; off += n) {
        uint64_t end = off < common ? common : max;
        n = end - off < CHUNK ? end - off : CHUNK;
        if (off == common && sa != sb && !quiet)
            printf("Warning: Image size mismatch!\n");
        size_t na = off >= sa ? 0 : (sa - off < n ? (size_t)(sa - off) : n);
        size_t nb = off >= sb ? 0 : (sb - off < n ? (size_t)(sb - off) : n);
        memset(ba, 0, n);
        memset(bb, 0, n);
        if ((na && blk_read(a, off, ba, na) < 0) ||
            (nb && blk_read(b, off, bb, nb) < 0)) {
            fprintf(stderr, "%s: %s\n", prog,
                    blk_error(na && *blk_error(a) ? a : b));
            return 2;
        }
        if (memcmp(ba, bb, n)) {
            size_t i = 0;
            while (ba[i] == bb[i])
                i++;
            /* qemu-img reports the start of the 512-byte sector. */
            uint64_t at = (off + i) & ~511ull;
            if (!quiet)
                printf("Content mismatch at offset %" PRIu64 "!\n", at);
            rc = 1;
        }
    }
    if (!rc && !quiet)
        printf("Images are identical.\n");
    free(ba);
    free(bb);
    blk_close(a);
    blk_close(b);
    return rc;
}

/* ---- commit ---- */

static int cmd_commit(int argc, char **argv)
{
    const char *fmt = NULL;
    bool keep = false;
    int c;
    while ((c = getopt(argc, argv, "f:qdpt:b:")) != -1) {
        switch (c) {
        case 'd': keep = true; break;
        case 'b': die("commit -b is not supported (commits into the "
                      "immediate backing file)");
        default:
            if (!common_opt(c, &fmt, NULL))
                return 1;
        }
    }
    if (optind + 1 != argc)
        die("commit: expecting one file name");
    const char *file = argv[optind];
    BlockDev *top = open_img(file, fmt, BLK_O_RDWR | BLK_O_NO_BACKING);
    BlkInfo in;
    blk_info(top, &in);
    if (!in.backing_file)
        die("%s: image has no backing file to commit into", file);
    /* Open the backing file writable ourselves. */
    char *path = path_beside(file, in.backing_file);
    BlockDev *base = open_img(path, in.backing_fmt, BLK_O_RDWR);
    uint64_t size = blk_size(top);
    if (blk_size(base) < size && blk_resize(base, size, false) < 0)
        die("%s", blk_error(base));
    uint8_t *buf = xmalloc(CHUNK);
    for (uint64_t off = 0, n; off < size; off += n) {
        BlkStatus st;
        n = layer_extent(top, off, size, &st);
        if (st.flags & BLK_ST_ALLOCATED) {
            int r;
            if (st.flags & BLK_ST_ZERO) {
                r = blk_write_zeroes(base, off, n);
            } else {
                if (blk_read(top, off, buf, n) < 0)
                    die("%s", blk_error(top));
                r = blk_write(base, off, buf, n);
            }
            if (r < 0)
                die("%s", blk_error(base));
        }
    }
    if (blk_flush(base) < 0)
        die("%s", blk_error(base));
    /* Empty the overlay: everything now comes from the base. */
    if (!keep && (blk_discard(top, 0, size) < 0 || blk_flush(top) < 0))
        die("%s", blk_error(top));
    free(buf);
    free(path);
    blk_close(base);
    blk_close(top);
    if (!quiet)
        printf("Image committed.\n");
    return 0;
}

/* ---- rebase ---- */

/* n bytes at off of bs (none: NULL) into buf, zeroes past its end. */
static void read_padded(BlockDev *bs, uint64_t off, uint8_t *buf, uint64_t n)
{
    memset(buf, 0, n);
    if (bs && off < blk_size(bs)) {
        uint64_t k = blk_size(bs) - off < n ? blk_size(bs) - off : n;
        if (blk_read(bs, off, buf, k) < 0)
            die("%s", blk_error(bs));
    }
}

static int cmd_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *nb = NULL, *nbfmt = NULL;
    bool unsafe = false, have_b = false;
    int c;
    while ((c = getopt(argc, argv, "f:b:F:uqpt:T:U")) != -1) {
        switch (c) {
        case 'b': nb = optarg; have_b = true; break;
        case 'F': nbfmt = optarg; break;
        case 'u': unsafe = true; break;
        default:
            if (!common_opt(c, &fmt, NULL))
                return 1;
        }
    }
    if (!have_b || optind + 1 != argc)
        die("rebase: expecting -b BACKING and one file name");
    if (nb && !*nb)
        nb = NULL;
    if (nb && !nbfmt)
        die("rebase: the new backing file needs its format (-F raw|qcow2)");
    const char *file = argv[optind];
    if (unsafe) {
        BlockDev *bs = open_img(file, fmt, BLK_O_RDWR | BLK_O_NO_BACKING);
        if (blk_set_backing(bs, nb, nbfmt) < 0 || blk_flush(bs) < 0)
            die("%s", blk_error(bs));
        blk_close(bs);
        return 0;
    }
    BlockDev *bs = open_img(file, fmt, BLK_O_RDWR);
    BlockDev *newb = NULL;
    if (nb) {
        char *path = path_beside(file, nb);
        newb = open_img(path, nbfmt, 0);
        free(path);
    }
    uint64_t size = blk_size(bs);
    uint8_t *a = xmalloc(CHUNK), *b = xmalloc(CHUNK);
    BlockDev *oldb = blk_backing(bs);
    /* Where the overlay falls through, keep what the old chain showed. */
    for (uint64_t off = 0, n; off < size; off += n) {
        BlkStatus st;
        n = layer_extent(bs, off, size, &st);
        if (!(st.flags & BLK_ST_ALLOCATED)) {
            read_padded(oldb, off, a, n);
            read_padded(newb, off, b, n);
            /* Only the 512-byte sectors that differ, as qemu-img: less
             * to write, and dirty bitmaps get the same bits. */
            for (uint64_t s = 0; s < n;) {
                uint64_t e = s + 512 < n ? s + 512 : n;
                if (!memcmp(a + s, b + s, e - s)) {
                    s = e;
                    continue;
                }
                while (e < n) {
                    uint64_t e2 = e + 512 < n ? e + 512 : n;
                    if (!memcmp(a + e, b + e, e2 - e))
                        break;
                    e = e2;
                }
                if (blk_write(bs, off + s, a + s, e - s) < 0)
                    die("%s", blk_error(bs));
                s = e;
            }
        }
    }
    if (blk_set_backing(bs, nb, nbfmt) < 0 || blk_flush(bs) < 0)
        die("%s", blk_error(bs));
    free(a);
    free(b);
    blk_close(newb);
    blk_close(bs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    /* --object and --image-opts go with any command: take them out. */
    int k = 1;
    for (int i = 1; i < argc; i++) {
        const char *spec = NULL;
        if (!strcmp(argv[i], "--object")) {
            if (i + 1 >= argc)
                die("--object needs an argument");
            spec = argv[++i];
        } else if (!strncmp(argv[i], "--object=", 9)) {
            spec = argv[i] + 9;
        } else if (!strcmp(argv[i], "--image-opts")) {
            image_opts = true;
            continue;
        } else if (!strcmp(argv[i], "--target-image-opts")) {
            target_image_opts = true;
            continue;
        } else {
            argv[k++] = argv[i];
            continue;
        }
        char err[512];
        if (blk_object_add(spec, err, sizeof(err)) < 0)
            die("--object %s: %s", spec, err);
    }
    argc = k;
    argv[argc] = NULL;
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("tessera-img version %s\n", PACKAGE_VERSION);
        return 0;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        { "create", cmd_create }, { "info", cmd_info }, { "check", cmd_check },
        { "convert", cmd_convert }, { "resize", cmd_resize },
        { "map", cmd_map }, { "measure", cmd_measure },
        { "compare", cmd_compare }, { "commit", cmd_commit },
        { "rebase", cmd_rebase }, { "snapshot", cmd_snapshot },
        { "bitmap", cmd_bitmap }, { "amend", cmd_amend },
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (!strcmp(cmd, cmds[i].name)) {
            optind = 1;
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "%s: unknown command '%s' (try --help)\n", prog, cmd);
    return 1;
}
