// The usable size of a malloc'd block, where the platform can tell it (CURLWS_USABLE_SIZE is
// left undefined elsewhere): curl_memory.cc and message_block.cc cache blocks by it.
#ifndef CURLWS_NATIVE_MALLOC_USABLE_H_
#define CURLWS_NATIVE_MALLOC_USABLE_H_

#if defined(__linux__)
#include <malloc.h>
#define CURLWS_USABLE_SIZE(p) malloc_usable_size(p)
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#define CURLWS_USABLE_SIZE(p) malloc_size(p)
#endif

#endif  // CURLWS_NATIVE_MALLOC_USABLE_H_
