/* SPDX-License-Identifier: MIT */
/*
 * SDL scancodes (the USB HID keyboard usage IDs: the key's position, not
 * its label, so the guest sees the same key whatever the host's layout)
 * to Linux input key codes (linux/input-event-codes.h values).
 */
#ifndef UI_SDL_KEYMAP_H
#define UI_SDL_KEYMAP_H

#include <SDL.h>

/* 0: no Linux key for it. */
static inline unsigned sdl_scancode_to_linux(SDL_Scancode sc)
{
    /* HID usages 4 (a) to 101 (application), in order. */
    static const unsigned short base[] = {
        30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, /* a-m */
        49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44, /* n-z */
        2, 3, 4, 5, 6, 7, 8, 9, 10, 11,                     /* 1-9, 0 */
        28, 1, 14, 15, 57,          /* return escape backspace tab space */
        12, 13, 26, 27, 43, 43,     /* - = [ ] \ non-US # */
        39, 40, 41, 51, 52, 53, 58, /* ; ' ` , . / capslock */
        59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88, /* F1-F12 */
        99, 70, 119,                /* printscreen scrolllock pause */
        110, 102, 104, 111, 107, 109, /* insert home pgup delete end pgdn */
        106, 105, 108, 103,         /* right left down up */
        69, 98, 55, 74, 78, 96,     /* numlock kp/ kp* kp- kp+ kpenter */
        79, 80, 81, 75, 76, 77, 71, 72, 73, 82, 83, /* kp1-9 kp0 kp. */
        86, 127,                    /* non-US \ (102nd), application */
    };
    static const struct {
        unsigned short sc, key;
    } more[] = {
        {102, 116}, {103, 117},                  /* power, kp= */
        {104, 183}, {105, 184}, {106, 185}, {107, 186}, /* F13-F16 */
        {108, 187}, {109, 188}, {110, 189}, {111, 190}, /* F17-F20 */
        {112, 191}, {113, 192}, {114, 193}, {115, 194}, /* F21-F24 */
        {127, 113}, {128, 115}, {129, 114},      /* mute vol+ vol- */
        {133, 121},                              /* kp, */
        {135, 89}, {136, 93}, {137, 124}, {138, 92}, {139, 94}, /* intl */
        {144, 122}, {145, 123},                  /* hangeul hanja */
        {224, 29}, {225, 42}, {226, 56}, {227, 125}, /* left ctl sh alt gui */
        {228, 97}, {229, 54}, {230, 100}, {231, 126}, /* right */
    };

    if (sc >= 4 && sc < 4 + sizeof(base) / sizeof(base[0]))
        return base[sc - 4];
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
        if (more[i].sc == sc)
            return more[i].key;
    return 0;
}

#endif
