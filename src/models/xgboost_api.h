// xgboost's C API, loaded on first use. Linking libxgboost made every command
// pay for it at start-up (about 2.4 ms of CPU: relocations and the library's
// static registries, measured with an empty program linked with and without
// it), though only the models that train or load a booster (ltr, blend) use it.
// So the library is opened with dlopen the first time one of these functions
// is called. Include this header instead of <xgboost/c_api.h>: each function
// of the API used here is declared in namespace movierec with its own name and
// forwards to the library's, so code inside the namespace calls them as usual.
// An API function that is not forwarded below fails to link (the library is
// not linked): add it to the list.
#pragma once

#include <xgboost/c_api.h>

namespace movierec {

// The address of an xgboost C API function, opening the library on first use.
// Throws movierec::Error naming the library and the function when either is
// missing.
void* xgboost_symbol(const char* name);

// A function named like the API's, forwarding to the library's.
#define MOVIEREC_XGBOOST_FORWARD(fn)                                                 \
  template <typename... Args>                                                        \
  inline auto fn(Args... args) {                                                     \
    static const auto real = reinterpret_cast<decltype(&::fn)>(xgboost_symbol(#fn)); \
    return real(args...);                                                            \
  }

MOVIEREC_XGBOOST_FORWARD(XGBGetLastError)
MOVIEREC_XGBOOST_FORWARD(XGDMatrixCreateFromMat)
MOVIEREC_XGBOOST_FORWARD(XGDMatrixFree)
MOVIEREC_XGBOOST_FORWARD(XGDMatrixSetFloatInfo)
MOVIEREC_XGBOOST_FORWARD(XGDMatrixSetUIntInfo)
MOVIEREC_XGBOOST_FORWARD(XGBoosterCreate)
MOVIEREC_XGBOOST_FORWARD(XGBoosterFree)
MOVIEREC_XGBOOST_FORWARD(XGBoosterSetParam)
MOVIEREC_XGBOOST_FORWARD(XGBoosterUpdateOneIter)
MOVIEREC_XGBOOST_FORWARD(XGBoosterEvalOneIter)
MOVIEREC_XGBOOST_FORWARD(XGBoosterPredict)
MOVIEREC_XGBOOST_FORWARD(XGBoosterSlice)
MOVIEREC_XGBOOST_FORWARD(XGBoosterSaveModelToBuffer)
MOVIEREC_XGBOOST_FORWARD(XGBoosterLoadModelFromBuffer)

#undef MOVIEREC_XGBOOST_FORWARD

}  // namespace movierec
