// Compile-time checks of the ABI's layout promises; this file has no run-time content.
#include "lite_delegate.h"

_Static_assert(sizeof(LiteStatus) == 4, "enums stay 32-bit");
_Static_assert(sizeof(LiteDataType) == 4, "enums stay 32-bit");
_Static_assert(sizeof(LiteActivation) == 4, "enums stay 32-bit");
_Static_assert(offsetof(LiteBackend, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(LiteGraph, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(LiteHostServices, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(LitePluginLibrary, struct_size) == 0, "struct_size comes first");
