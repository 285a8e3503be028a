/* SPDX-License-Identifier: MIT */
/* A device plugin that needs a function nobody provides: loading it must
 * fail with the loader's reason (the symbol), not "file not found". */
#include <tessera/device.h>

int tessera_no_such_function(void);

static int init(void)
{
    return tessera_no_such_function();
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "unresolved", "1.0", init);
