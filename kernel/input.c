/* SPDX-License-Identifier: MIT */
/*
 * The input layer: routes Linux input events from front-ends and the
 * monitor to the guest's input devices (see kernel/input.h and
 * tessera/input.h), and QEMU's key names ("qcodes").
 */
#include "kernel/input.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/device.h>

struct TesseraInputHandle {
    TesseraDevice *dev;
    unsigned kinds;
    TesseraInputHandler handler;
    void *opaque;
    bool pending_sync; /* got events since the last EV_SYN */
};

/* Handlers, most recently registered or activated first. */
static GList *handlers;

/* Timed key sequences: queued events and delays (QEMU's input queue). */
typedef struct QueuedEv {
    bool delay;       /* a pause of ms milliseconds */
    unsigned ms;
    unsigned code;    /* else: key code, down */
    bool down;
} QueuedEv;

static GQueue queue = G_QUEUE_INIT;
static TesseraTimer *queue_timer;
static bool queue_waiting; /* the timer is armed for a delay */
/* Bound on queued entries: a flood of sendkeys cannot grow without end. */
#define QUEUE_MAX 4096

/* ---------------------------------------------------------------------- */
/* Handlers                                                                */

TesseraInputHandle *tessera_input_register(TesseraDevice *dev,
                                           unsigned kinds,
                                           TesseraInputHandler handler,
                                           void *opaque)
{
    kinds &= TESSERA_INPUT_KEYBOARD | TESSERA_INPUT_REL | TESSERA_INPUT_ABS;
    if (!kinds || !handler) {
        tessera_error("%s: input handler with no kind of event",
                      dev ? tessera_dev_name(dev) : "input");
        return NULL;
    }
    TesseraInputHandle *h = g_new0(TesseraInputHandle, 1);
    h->dev = dev;
    h->kinds = kinds;
    h->handler = handler;
    h->opaque = opaque;
    handlers = g_list_prepend(handlers, h);
    return h;
}

void tessera_input_activate(TesseraInputHandle *h)
{
    GList *l = g_list_find(handlers, h);
    if (!l)
        return;
    handlers = g_list_delete_link(handlers, l);
    handlers = g_list_prepend(handlers, h);
}

void tessera_input_unregister(TesseraInputHandle *h)
{
    if (!h)
        return;
    handlers = g_list_remove(handlers, h);
    g_free(h);
}

static TesseraInputHandle *find(unsigned kinds)
{
    for (GList *l = handlers; l; l = l->next) {
        TesseraInputHandle *h = l->data;
        if (h->kinds & kinds)
            return h;
    }
    return NULL;
}

bool input_has_keyboard(void)
{
    return find(TESSERA_INPUT_KEYBOARD) != NULL;
}

bool input_has_pointer(void)
{
    return find(TESSERA_INPUT_REL | TESSERA_INPUT_ABS) != NULL;
}

bool input_pointer_is_absolute(void)
{
    TesseraInputHandle *h = find(TESSERA_INPUT_REL | TESSERA_INPUT_ABS);
    return h && (h->kinds & TESSERA_INPUT_ABS);
}

void input_foreach(void (*fn)(void *opaque, const char *dev_name,
                              unsigned kinds, bool active),
                   void *opaque)
{
    TesseraInputHandle *kbd = find(TESSERA_INPUT_KEYBOARD);
    TesseraInputHandle *ptr = find(TESSERA_INPUT_REL | TESSERA_INPUT_ABS);
    for (GList *l = handlers; l; l = l->next) {
        TesseraInputHandle *h = l->data;
        fn(opaque, h->dev ? tessera_dev_name(h->dev) : "(none)", h->kinds,
           h == kbd || h == ptr);
    }
}

/* ---------------------------------------------------------------------- */
/* Events                                                                  */

static void deliver(TesseraInputHandle *h, uint16_t type, uint16_t code,
                    int32_t value)
{
    if (!h)
        return;
    TesseraInputEvent ev = {type, code, value};
    h->pending_sync = true;
    h->handler(h->opaque, &ev);
}

/* Pointer buttons: BTN_MISC..BTN_GEAR_UP (0x100..0x151) are not keys a
 * keyboard has; BTN_MOUSE's block and the other buttons go to the
 * pointer. */
static bool is_button(unsigned code)
{
    return code >= 0x100 && code < 0x160;
}

static void key_now(unsigned code, bool down)
{
    if (code >= TESSERA_KEY_CNT)
        return;
    if (is_button(code))
        deliver(find(TESSERA_INPUT_REL | TESSERA_INPUT_ABS), TESSERA_EV_KEY,
                (uint16_t)code, down);
    else
        deliver(find(TESSERA_INPUT_KEYBOARD), TESSERA_EV_KEY, (uint16_t)code,
                down);
}

void input_key(unsigned code, bool down)
{
    key_now(code, down);
}

void input_btn(unsigned btn, bool down)
{
    if (btn >= TESSERA_KEY_CNT)
        return;
    deliver(find(TESSERA_INPUT_REL | TESSERA_INPUT_ABS), TESSERA_EV_KEY,
            (uint16_t)btn, down);
}

void input_rel(int axis, int value)
{
    if (axis < 0 || axis > 0x0f)
        return;
    /* The wheels go to the active pointer, motion to the last mouse. */
    unsigned kinds = axis == TESSERA_REL_WHEEL || axis == TESSERA_REL_HWHEEL
                         ? TESSERA_INPUT_REL | TESSERA_INPUT_ABS
                         : TESSERA_INPUT_REL;
    deliver(find(kinds), TESSERA_EV_REL, (uint16_t)axis, value);
}

void input_abs(int axis, unsigned value)
{
    if (axis < 0 || axis > 0x3f)
        return;
    if (value > TESSERA_INPUT_ABS_MAX)
        value = TESSERA_INPUT_ABS_MAX;
    deliver(find(TESSERA_INPUT_ABS), TESSERA_EV_ABS, (uint16_t)axis,
            (int32_t)value);
}

void input_sync(void)
{
    /* A handler may unregister in its callback: walk a copy. */
    GList *copy = g_list_copy(handlers);
    for (GList *l = copy; l; l = l->next) {
        TesseraInputHandle *h = l->data;
        if (g_list_find(handlers, h) && h->pending_sync) {
            h->pending_sync = false;
            TesseraInputEvent ev = {TESSERA_EV_SYN, 0, 0};
            h->handler(h->opaque, &ev);
        }
    }
    g_list_free(copy);
}

/* ---------------------------------------------------------------------- */
/* Timed sequences                                                         */

static void queue_run(void);

static void queue_timer_cb(void *opaque)
{
    (void)opaque;
    queue_waiting = false;
    queue_run();
}

/* Runs queued entries up to the next delay, which arms the timer. */
static void queue_run(void)
{
    while (!queue_waiting && !g_queue_is_empty(&queue)) {
        QueuedEv *q = g_queue_pop_head(&queue);
        if (q->delay) {
            if (!queue_timer)
                queue_timer = tessera_timer_new(queue_timer_cb, NULL);
            tessera_timer_mod(queue_timer, tessera_clock_ns() +
                                               (uint64_t)q->ms * 1000000u);
            queue_waiting = true;
        } else {
            key_now(q->code, q->down);
            input_sync();
        }
        g_free(q);
    }
}

static void queue_add(bool delay, unsigned ms, unsigned code, bool down)
{
    if (g_queue_get_length(&queue) >= QUEUE_MAX) {
        tessera_warn("input: too many queued key events, dropping one");
        return;
    }
    QueuedEv *q = g_new0(QueuedEv, 1);
    q->delay = delay;
    q->ms = ms;
    q->code = code;
    q->down = down;
    g_queue_push_tail(&queue, q);
}

void input_send_keys(const unsigned *keys, size_t n, unsigned hold_ms)
{
    for (size_t i = 0; i < n; i++)
        queue_add(false, 0, keys[i], true);
    queue_add(true, hold_ms, 0, false);
    for (size_t i = n; i-- > 0;)
        queue_add(false, 0, keys[i], false);
    queue_run();
}

void input_flush_queue(void)
{
    if (queue_timer)
        tessera_timer_del(queue_timer);
    queue_waiting = false;
    while (!g_queue_is_empty(&queue)) {
        QueuedEv *q = g_queue_pop_head(&queue);
        if (!q->delay) {
            key_now(q->code, q->down);
            input_sync();
        }
        g_free(q);
    }
}

void input_reset_all(void)
{
    g_queue_clear_full(&queue, g_free);
    if (queue_timer)
        tessera_timer_free(queue_timer);
    queue_timer = NULL;
    queue_waiting = false;
    g_list_free_full(handlers, g_free);
    handlers = NULL;
}

/* ---------------------------------------------------------------------- */
/* QEMU's key names                                                        */

typedef struct Qcode {
    const char *name;
    uint16_t code; /* Linux KEY_* */
} Qcode;

/* QEMU's QKeyCode names (the sendkey / send-key / input-send-event
 * vocabulary) and the Linux key each one is. */
static const Qcode qcodes[] = {
    {"shift", 42}, {"shift_r", 54}, {"alt", 56}, {"alt_r", 100},
    {"ctrl", 29}, {"ctrl_r", 97}, {"menu", 139}, {"esc", 1},
    {"1", 2}, {"2", 3}, {"3", 4}, {"4", 5}, {"5", 6}, {"6", 7}, {"7", 8},
    {"8", 9}, {"9", 10}, {"0", 11}, {"minus", 12}, {"equal", 13},
    {"backspace", 14}, {"tab", 15},
    {"q", 16}, {"w", 17}, {"e", 18}, {"r", 19}, {"t", 20}, {"y", 21},
    {"u", 22}, {"i", 23}, {"o", 24}, {"p", 25},
    {"bracket_left", 26}, {"bracket_right", 27}, {"ret", 28},
    {"a", 30}, {"s", 31}, {"d", 32}, {"f", 33}, {"g", 34}, {"h", 35},
    {"j", 36}, {"k", 37}, {"l", 38}, {"semicolon", 39}, {"apostrophe", 40},
    {"grave_accent", 41}, {"backslash", 43},
    {"z", 44}, {"x", 45}, {"c", 46}, {"v", 47}, {"b", 48}, {"n", 49},
    {"m", 50}, {"comma", 51}, {"dot", 52}, {"slash", 53},
    {"asterisk", 55}, {"spc", 57}, {"caps_lock", 58},
    {"f1", 59}, {"f2", 60}, {"f3", 61}, {"f4", 62}, {"f5", 63},
    {"f6", 64}, {"f7", 65}, {"f8", 66}, {"f9", 67}, {"f10", 68},
    {"num_lock", 69}, {"scroll_lock", 70},
    {"kp_divide", 98}, {"kp_multiply", 55}, {"kp_subtract", 74},
    {"kp_add", 78}, {"kp_enter", 96}, {"kp_decimal", 83}, {"sysrq", 99},
    {"kp_0", 82}, {"kp_1", 79}, {"kp_2", 80}, {"kp_3", 81}, {"kp_4", 75},
    {"kp_5", 76}, {"kp_6", 77}, {"kp_7", 71}, {"kp_8", 72}, {"kp_9", 73},
    {"less", 86}, {"f11", 87}, {"f12", 88}, {"print", 210},
    {"home", 102}, {"pgup", 104}, {"pgdn", 109}, {"end", 107},
    {"left", 105}, {"up", 103}, {"down", 108}, {"right", 106},
    {"insert", 110}, {"delete", 111},
    {"stop", 128}, {"again", 129}, {"props", 130}, {"undo", 131},
    {"front", 132}, {"copy", 133}, {"open", 134}, {"paste", 135},
    {"find", 136}, {"cut", 137}, {"lf", 101}, {"help", 138},
    {"meta_l", 125}, {"meta_r", 126}, {"compose", 127}, {"pause", 119},
    {"ro", 89}, {"hiragana", 91}, {"henkan", 92}, {"yen", 124},
    {"muhenkan", 94}, {"katakanahiragana", 93}, {"kp_comma", 121},
    {"kp_equals", 117}, {"power", 116}, {"sleep", 142}, {"wake", 143},
    {"audionext", 163}, {"audioprev", 165}, {"audiostop", 166},
    {"audioplay", 164}, {"audiomute", 113}, {"volumeup", 115},
    {"volumedown", 114}, {"mediaselect", 226}, {"mail", 155},
    {"calculator", 140}, {"computer", 157}, {"ac_home", 172},
    {"ac_back", 158}, {"ac_forward", 159}, {"ac_refresh", 173},
    {"ac_bookmarks", 156}, {"lang1", 122}, {"lang2", 123},
    {"f13", 183}, {"f14", 184}, {"f15", 185}, {"f16", 186}, {"f17", 187},
    {"f18", 188}, {"f19", 189}, {"f20", 190}, {"f21", 191}, {"f22", 192},
    {"f23", 193}, {"f24", 194},
};

#define N_QCODES (sizeof(qcodes) / sizeof(qcodes[0]))

int input_qcode_lookup(const char *name)
{
    for (size_t i = 0; i < N_QCODES; i++)
        if (!strcmp(qcodes[i].name, name))
            return qcodes[i].code;
    return -1;
}

const char *input_qcode_name(unsigned code)
{
    for (size_t i = 0; i < N_QCODES; i++)
        if (qcodes[i].code == code)
            return qcodes[i].name;
    return NULL;
}

int input_number_key(unsigned long v)
{
    /* QEMU's "number" keys are scancodes (set 1, "qnum"); 0x01..0x58 are
     * the same numbers as Linux key codes, the rest (0x80 | code for an
     * E0-prefixed key) are not mapped here. */
    return v >= 0x01 && v <= 0x58 ? (int)v : -1;
}

int input_parse_key(const char *s)
{
    int k = input_qcode_lookup(s);
    if (k >= 0)
        return k;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
        char *end;
        unsigned long v = strtoul(s + 2, &end, 16);
        if (!*end)
            return input_number_key(v);
    }
    return -1;
}

const char *const *input_qcode_names(void)
{
    static const char *names[N_QCODES + 1];
    if (!names[0])
        for (size_t i = 0; i < N_QCODES; i++)
            names[i] = qcodes[i].name;
    return names;
}
