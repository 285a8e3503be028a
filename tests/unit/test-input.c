/* SPDX-License-Identifier: MIT */
/* The input layer: QEMU key names, routing to devices, timed sendkey,
 * and the monitor commands' argument checks. */
#include <CUnit/Basic.h>
#include <glib.h>
#include <string.h>

#include <tessera/input.h>

#include "kernel/input-cmds.h"
#include "kernel/input.h"
#include "kernel/sched.h"
#include "tests/unit/unit.h"

typedef struct Rec {
    TesseraInputEvent ev[64];
    unsigned n;
} Rec;

static void rec_cb(void *opaque, const TesseraInputEvent *ev)
{
    Rec *r = opaque;
    if (r->n < 64)
        r->ev[r->n++] = *ev;
}

static void setup(void)
{
    input_reset_all();
    sched_reset_all();
    sched_set_icount(0);
}

static void expect(Rec *r, unsigned i, unsigned type, unsigned code, int v)
{
    CU_ASSERT_TRUE_FATAL(i < r->n);
    CU_ASSERT_EQUAL(r->ev[i].type, type);
    CU_ASSERT_EQUAL(r->ev[i].code, code);
    CU_ASSERT_EQUAL(r->ev[i].value, v);
}

static void test_qcodes(void)
{
    /* Linux's input-event-codes.h numbers. */
    CU_ASSERT_EQUAL(input_qcode_lookup("a"), 30);
    CU_ASSERT_EQUAL(input_qcode_lookup("z"), 44);
    CU_ASSERT_EQUAL(input_qcode_lookup("1"), 2);
    CU_ASSERT_EQUAL(input_qcode_lookup("0"), 11);
    CU_ASSERT_EQUAL(input_qcode_lookup("ret"), 28);
    CU_ASSERT_EQUAL(input_qcode_lookup("spc"), 57);
    CU_ASSERT_EQUAL(input_qcode_lookup("ctrl"), 29);
    CU_ASSERT_EQUAL(input_qcode_lookup("ctrl_r"), 97);
    CU_ASSERT_EQUAL(input_qcode_lookup("shift"), 42);
    CU_ASSERT_EQUAL(input_qcode_lookup("shift_r"), 54);
    CU_ASSERT_EQUAL(input_qcode_lookup("alt"), 56);
    CU_ASSERT_EQUAL(input_qcode_lookup("alt_r"), 100);
    CU_ASSERT_EQUAL(input_qcode_lookup("esc"), 1);
    CU_ASSERT_EQUAL(input_qcode_lookup("tab"), 15);
    CU_ASSERT_EQUAL(input_qcode_lookup("f1"), 59);
    CU_ASSERT_EQUAL(input_qcode_lookup("f10"), 68);
    CU_ASSERT_EQUAL(input_qcode_lookup("f11"), 87);
    CU_ASSERT_EQUAL(input_qcode_lookup("f12"), 88);
    CU_ASSERT_EQUAL(input_qcode_lookup("minus"), 12);
    CU_ASSERT_EQUAL(input_qcode_lookup("equal"), 13);
    CU_ASSERT_EQUAL(input_qcode_lookup("slash"), 53);
    CU_ASSERT_EQUAL(input_qcode_lookup("dot"), 52);
    CU_ASSERT_EQUAL(input_qcode_lookup("comma"), 51);
    CU_ASSERT_EQUAL(input_qcode_lookup("kp_enter"), 96);
    CU_ASSERT_EQUAL(input_qcode_lookup("kp_0"), 82);
    CU_ASSERT_EQUAL(input_qcode_lookup("kp_add"), 78);
    CU_ASSERT_EQUAL(input_qcode_lookup("up"), 103);
    CU_ASSERT_EQUAL(input_qcode_lookup("down"), 108);
    CU_ASSERT_EQUAL(input_qcode_lookup("left"), 105);
    CU_ASSERT_EQUAL(input_qcode_lookup("right"), 106);
    CU_ASSERT_EQUAL(input_qcode_lookup("A"), -1); /* names are lower case */
    CU_ASSERT_EQUAL(input_qcode_lookup("enter"), -1);
    CU_ASSERT_EQUAL(input_qcode_lookup(""), -1);
    CU_ASSERT_STRING_EQUAL(input_qcode_name(30), "a");
    CU_ASSERT_PTR_NULL(input_qcode_name(0));
    /* Every name is unique and maps to a code in range. */
    const char *const *names = input_qcode_names();
    unsigned n = 0;
    for (const char *const *p = names; *p; p++, n++) {
        int k = input_qcode_lookup(*p);
        CU_ASSERT_TRUE(k > 0 && k < TESSERA_KEY_CNT);
        for (const char *const *q = p + 1; *q; q++)
            CU_ASSERT_STRING_NOT_EQUAL(*p, *q);
    }
    CU_ASSERT_TRUE(n > 140);
    /* sendkey's numbers: QEMU scancodes, 0x01..0x58 only. */
    CU_ASSERT_EQUAL(input_parse_key("0x1e"), 30);
    CU_ASSERT_EQUAL(input_parse_key("0x58"), 88);
    CU_ASSERT_EQUAL(input_parse_key("0x59"), -1);
    CU_ASSERT_EQUAL(input_parse_key("0x"), -1);
    CU_ASSERT_EQUAL(input_parse_key("0x1g"), -1);
    CU_ASSERT_EQUAL(input_parse_key("30"), -1);
}

static void test_routing(void)
{
    setup();
    Rec k1 = {0}, k2 = {0}, mouse = {0}, tablet = {0};
    /* No device: events vanish, no crash. */
    input_key(30, true);
    input_sync();
    CU_ASSERT_FALSE(input_has_keyboard());
    CU_ASSERT_FALSE(input_has_pointer());
    CU_ASSERT_PTR_NULL(tessera_input_register(NULL, 0, rec_cb, &k1));

    TesseraInputHandle *h1 =
        tessera_input_register(NULL, TESSERA_INPUT_KEYBOARD, rec_cb, &k1);
    TesseraInputHandle *h2 =
        tessera_input_register(NULL, TESSERA_INPUT_KEYBOARD, rec_cb, &k2);
    TesseraInputHandle *hm =
        tessera_input_register(NULL, TESSERA_INPUT_REL, rec_cb, &mouse);
    TesseraInputHandle *ht =
        tessera_input_register(NULL, TESSERA_INPUT_ABS, rec_cb, &tablet);
    CU_ASSERT_TRUE(input_has_keyboard());
    CU_ASSERT_TRUE(input_pointer_is_absolute());

    /* Keys: the most recent keyboard; a group ends with EV_SYN. */
    input_key(30, true);
    input_sync();
    CU_ASSERT_EQUAL(k1.n, 0);
    CU_ASSERT_EQUAL(k2.n, 2);
    expect(&k2, 0, TESSERA_EV_KEY, 30, 1);
    expect(&k2, 1, TESSERA_EV_SYN, 0, 0);
    CU_ASSERT_EQUAL(mouse.n + tablet.n, 0);
    /* Activation moves the keys to the other keyboard. */
    tessera_input_activate(h1);
    input_key(30, false);
    input_sync();
    CU_ASSERT_EQUAL(k1.n, 2);
    expect(&k1, 0, TESSERA_EV_KEY, 30, 0);

    /* Pointer: absolute to the tablet (clamped), buttons to the active
     * pointer (the tablet, last registered), relative to the mouse. */
    input_abs(TESSERA_ABS_X, 100);
    input_abs(TESSERA_ABS_Y, 0x10000);
    input_btn(TESSERA_BTN_LEFT, true);
    input_key(TESSERA_BTN_RIGHT, true); /* a button code via input_key */
    input_sync();
    CU_ASSERT_EQUAL(tablet.n, 5);
    expect(&tablet, 0, TESSERA_EV_ABS, TESSERA_ABS_X, 100);
    expect(&tablet, 1, TESSERA_EV_ABS, TESSERA_ABS_Y, 0x7fff);
    expect(&tablet, 2, TESSERA_EV_KEY, TESSERA_BTN_LEFT, 1);
    expect(&tablet, 3, TESSERA_EV_KEY, TESSERA_BTN_RIGHT, 1);
    expect(&tablet, 4, TESSERA_EV_SYN, 0, 0);
    CU_ASSERT_EQUAL(k1.n, 2);
    input_rel(TESSERA_REL_X, -5);
    input_sync();
    CU_ASSERT_EQUAL(mouse.n, 2);
    expect(&mouse, 0, TESSERA_EV_REL, TESSERA_REL_X, -5);
    CU_ASSERT_EQUAL(tablet.n, 5); /* no SYN for a device without events */
    /* The mouse activated: buttons and wheel go to it, it is relative. */
    tessera_input_activate(hm);
    CU_ASSERT_FALSE(input_pointer_is_absolute());
    input_btn(TESSERA_BTN_MIDDLE, true);
    input_rel(TESSERA_REL_WHEEL, 1);
    input_sync();
    CU_ASSERT_EQUAL(mouse.n, 5);
    expect(&mouse, 2, TESSERA_EV_KEY, TESSERA_BTN_MIDDLE, 1);
    expect(&mouse, 3, TESSERA_EV_REL, TESSERA_REL_WHEEL, 1);
    /* Out-of-range codes are dropped. */
    input_key(TESSERA_KEY_CNT, true);
    input_rel(-1, 1);
    input_abs(99, 1);
    input_sync();
    CU_ASSERT_EQUAL(k1.n + mouse.n + tablet.n, 2 + 5 + 5);

    tessera_input_unregister(h1);
    input_key(31, true);
    input_sync();
    CU_ASSERT_EQUAL(k2.n, 4);
    tessera_input_unregister(h2);
    tessera_input_unregister(hm);
    tessera_input_unregister(ht);
    tessera_input_unregister(NULL);
    CU_ASSERT_FALSE(input_has_keyboard());
}

static void test_sendkey_timing(void)
{
    setup();
    Rec k = {0};
    tessera_input_register(NULL, TESSERA_INPUT_KEYBOARD, rec_cb, &k);
    GString *out = g_string_new(NULL);
    input_hmp_sendkey("ctrl-alt-f1", "50", out);
    CU_ASSERT_STRING_EQUAL(out->str, "");
    /* Pressed in order now, each with its SYN. */
    CU_ASSERT_EQUAL(k.n, 6);
    expect(&k, 0, TESSERA_EV_KEY, 29, 1);
    expect(&k, 1, TESSERA_EV_SYN, 0, 0);
    expect(&k, 2, TESSERA_EV_KEY, 56, 1);
    expect(&k, 4, TESSERA_EV_KEY, 59, 1);
    /* A second sendkey waits behind the first. */
    input_hmp_sendkey("a", NULL, out);
    CU_ASSERT_EQUAL(k.n, 6);
    sched_advance_ns(49999999);
    sched_run_timers();
    CU_ASSERT_EQUAL(k.n, 6);
    sched_advance_ns(1);
    sched_run_timers();
    /* Released in reverse order 50 ms later; then 'a' goes down. */
    CU_ASSERT_EQUAL(k.n, 14);
    expect(&k, 6, TESSERA_EV_KEY, 59, 0);
    expect(&k, 8, TESSERA_EV_KEY, 56, 0);
    expect(&k, 10, TESSERA_EV_KEY, 29, 0);
    expect(&k, 12, TESSERA_EV_KEY, 30, 1);
    sched_advance_ns(100000000);
    sched_run_timers();
    CU_ASSERT_EQUAL(k.n, 16);
    expect(&k, 14, TESSERA_EV_KEY, 30, 0);

    /* Errors send nothing. */
    const char *bad[][2] = {
        {"ctrl-foo", NULL}, {"a-", NULL}, {"", NULL}, {"a", "x"},
        {"a", "-1"}, {"0x100", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_string_truncate(out, 0);
        input_hmp_sendkey(bad[i][0], bad[i][1], out);
        CU_ASSERT_TRUE(out->len > 0);
    }
    g_string_truncate(out, 0);
    input_hmp_sendkey("ctrl-foo", NULL, out);
    CU_ASSERT_STRING_EQUAL(out->str, "invalid parameter: 'foo' is not a key "
                                     "name ('help sendkey' lists them)\n");
    sched_advance_ns(1000000000);
    sched_run_timers();
    CU_ASSERT_EQUAL(k.n, 16);
    g_string_free(out, TRUE);
}

static JsonObject *parse_obj(const char *json)
{
    JsonParser *p = json_parser_new();
    CU_ASSERT_TRUE_FATAL(json_parser_load_from_data(p, json, -1, NULL));
    JsonObject *o = json_object_ref(json_node_get_object(
        json_parser_get_root(p)));
    g_object_unref(p);
    return o;
}

static void test_qmp(void)
{
    setup();
    Rec k = {0}, t = {0};
    tessera_input_register(NULL, TESSERA_INPUT_KEYBOARD, rec_cb, &k);
    tessera_input_register(NULL, TESSERA_INPUT_ABS, rec_cb, &t);
    char err[300];
    JsonObject *o = parse_obj(
        "{\"events\": [{\"type\": \"key\", \"data\": {\"down\": true, \"key\":"
        " {\"type\": \"qcode\", \"data\": \"b\"}}},"
        " {\"type\": \"abs\", \"data\": {\"axis\": \"x\", \"value\": 1000}},"
        " {\"type\": \"abs\", \"data\": {\"axis\": \"y\", \"value\": 2000}},"
        " {\"type\": \"btn\", \"data\": {\"down\": true, \"button\": "
        "\"left\"}}]}");
    CU_ASSERT_TRUE(input_qmp_send_event(o, err, sizeof(err)));
    json_object_unref(o);
    CU_ASSERT_EQUAL(k.n, 2);
    expect(&k, 0, TESSERA_EV_KEY, 48, 1);
    CU_ASSERT_EQUAL(t.n, 4);
    expect(&t, 0, TESSERA_EV_ABS, 0, 1000);
    expect(&t, 1, TESSERA_EV_ABS, 1, 2000);
    expect(&t, 2, TESSERA_EV_KEY, TESSERA_BTN_LEFT, 1);
    expect(&t, 3, TESSERA_EV_SYN, 0, 0);

    o = parse_obj("{\"keys\": [{\"type\": \"qcode\", \"data\": \"shift\"}, "
                  "{\"type\": \"number\", \"data\": 30}], \"hold-time\": 10}");
    CU_ASSERT_TRUE(input_qmp_send_key(o, err, sizeof(err)));
    json_object_unref(o);
    CU_ASSERT_EQUAL(k.n, 6);
    expect(&k, 2, TESSERA_EV_KEY, 42, 1);
    expect(&k, 4, TESSERA_EV_KEY, 30, 1);
    input_flush_queue();
    CU_ASSERT_EQUAL(k.n, 10);
    expect(&k, 6, TESSERA_EV_KEY, 30, 0);
    expect(&k, 8, TESSERA_EV_KEY, 42, 0);

    /* Bad arguments: an error, nothing sent. */
    static const char *const bad_events[] = {
        "{}",
        "{\"events\": 1}",
        "{\"events\": [1]}",
        "{\"events\": [{\"type\": \"key\"}]}",
        "{\"events\": [{\"type\": \"key\", \"data\": {\"down\": true}}]}",
        "{\"events\": [{\"type\": \"key\", \"data\": {\"down\": 1, \"key\": "
        "{\"type\": \"qcode\", \"data\": \"a\"}}}]}",
        "{\"events\": [{\"type\": \"key\", \"data\": {\"down\": true, \"key\":"
        " {\"type\": \"qcode\", \"data\": \"nope\"}}}]}",
        "{\"events\": [{\"type\": \"btn\", \"data\": {\"down\": true, "
        "\"button\": \"nope\"}}]}",
        "{\"events\": [{\"type\": \"abs\", \"data\": {\"axis\": \"z\", "
        "\"value\": 1}}]}",
        "{\"events\": [{\"type\": \"abs\", \"data\": {\"axis\": \"x\"}}]}",
        "{\"events\": [{\"type\": \"wiggle\", \"data\": {}}]}",
        "{\"events\": [], \"device\": \"kbd0\"}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad_events); i++) {
        o = parse_obj(bad_events[i]);
        err[0] = 0;
        CU_ASSERT_FALSE(input_qmp_send_event(o, err, sizeof(err)));
        CU_ASSERT_TRUE(err[0] != 0);
        json_object_unref(o);
    }
    o = parse_obj("{\"events\": [{\"type\": \"key\", \"data\": {\"down\": "
                  "true, \"key\": {\"type\": \"qcode\", \"data\": \"nope\"}}}"
                  "]}");
    input_qmp_send_event(o, err, sizeof(err));
    json_object_unref(o);
    CU_ASSERT_STRING_EQUAL(err, "Parameter 'events[0].data.key.data' does "
                                "not accept value 'nope' (not a QEMU key "
                                "name)");
    static const char *const bad_keys[] = {
        "{}", "{\"keys\": []}", "{\"keys\": [{\"type\": \"qcode\"}]}",
        "{\"keys\": [{\"type\": \"number\", \"data\": 999}]}",
        "{\"keys\": [{\"type\": \"qcode\", \"data\": \"a\"}], "
        "\"hold-time\": -1}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad_keys); i++) {
        o = parse_obj(bad_keys[i]);
        CU_ASSERT_FALSE(input_qmp_send_key(o, err, sizeof(err)));
        json_object_unref(o);
    }
    CU_ASSERT_EQUAL(k.n, 10);
    CU_ASSERT_EQUAL(t.n, 4);
    input_reset_all();
}

int main(void)
{
    static const UnitTest tests[] = {
        {"qcode names", test_qcodes},
        {"routing", test_routing},
        {"sendkey timing and errors", test_sendkey_timing},
        {"QMP send-key and input-send-event", test_qmp},
    };
    return UNIT_RUN("input", tests);
}
