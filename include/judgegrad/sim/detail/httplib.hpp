/// @file
/// cpp-httplib as Debian ships it: a compiled library (link `cpp-httplib`) built with OpenSSL, zlib
/// and Brotli support. Every translation unit must agree with it on these options, or the library's
/// class layouts differ from ours; include httplib through this header.
#pragma once

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <httplib.h>
