/*
 * lite_delegate_vulkan.h — the one symbol liblite_delegate_vulkan.so exports: the delegate ABI's
 * entry point (see lite_delegate.h). Hosts find it with dlsym(LITE_PLUGIN_ENTRY_SYMBOL); this
 * declaration exists so the definition is checked against the ABI's LitePluginEntryFn type.
 */
#ifndef LITE_DELEGATE_VULKAN_H
#define LITE_DELEGATE_VULKAN_H

#include "lite_delegate.h"

LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor,
                                                              const LiteHostServices *services, char *reason,
                                                              size_t capacity);

#endif /* LITE_DELEGATE_VULKAN_H */
