/// @file
/// Version, namespace and configuration macros. Every judgegrad header includes this first.
#pragma once

#define JUDGEGRAD_VERSION_MAJOR 0
#define JUDGEGRAD_VERSION_MINOR 1
#define JUDGEGRAD_VERSION_PATCH 0
#define JUDGEGRAD_VERSION (JUDGEGRAD_VERSION_MAJOR * 10000 + JUDGEGRAD_VERSION_MINOR * 100 + JUDGEGRAD_VERSION_PATCH)

// The versioned inline namespace lets two incompatible releases link into one program.
#define JUDGEGRAD_BEGIN_NAMESPACE \
  namespace judgegrad {           \
  inline namespace v0 {
#define JUDGEGRAD_END_NAMESPACE \
  }                             \
  }

JUDGEGRAD_BEGIN_NAMESPACE
/// The library version as "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";
JUDGEGRAD_END_NAMESPACE
