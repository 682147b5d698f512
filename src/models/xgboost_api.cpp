#include "models/xgboost_api.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "movierec/errors.h"

#ifndef MOVIEREC_XGBOOST_LIBRARY
#define MOVIEREC_XGBOOST_LIBRARY "libxgboost.so.0"  // Debian's soname (cmake/xgboost.cmake sets the found one)
#endif

namespace movierec {

void* xgboost_symbol(const char* name) {
  static std::once_flag once;
  static void* library = nullptr;
  static std::string error;
  std::call_once(once, [] {
    // RTLD_LOCAL: its symbols stay out of the global namespace (ours keep their names).
    library = ::dlopen(MOVIEREC_XGBOOST_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char* e = ::dlerror();
      error = e ? e : "unknown error";
    }
  });
  if (!library)
    throw Error(std::string("xgboost cannot be loaded (") + MOVIEREC_XGBOOST_LIBRARY +
                ", Debian package libxgboost0): " + error);
  void* f = ::dlsym(library, name);
  if (!f) throw Error(std::string("xgboost: ") + MOVIEREC_XGBOOST_LIBRARY + " has no function " + name);
  return f;
}

}  // namespace movierec
