# xgboost's C API for the `ltr` re-ranker (src/models/ltr.cpp, in movierec_core;
# Debian libxgboost-dev). Through pkg-config: Debian's CMake package config
# names an /usr/bin/xgboost that only the separate `xgboost` CLI package
# installs, and fails without it.
pkg_check_modules(XGBOOST REQUIRED IMPORTED_TARGET xgboost)
target_link_libraries(movierec_core PUBLIC PkgConfig::XGBOOST)
