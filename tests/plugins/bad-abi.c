/* SPDX-License-Identifier: MIT */
/* A device plugin that claims the next ABI major: the loader must refuse
 * it with a message naming the file and both versions. */
#include <tessera/device.h>

static int init(void)
{
    return 0;
}

TESSERA_EXPORT const TesseraPluginDesc tessera_plugin_descriptor = {
    TESSERA_ABI_MAJOR + 1, 0, TESSERA_PLUGIN_DEVICE, "bad-abi", "9.9", init};
