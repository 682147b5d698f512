# xgboost's C API for the `ltr` re-ranker (Debian libxgboost-dev). Through
# pkg-config: Debian's CMake package config names an /usr/bin/xgboost that
# only the separate `xgboost` CLI package installs, and fails without it.
pkg_check_modules(XGBOOST REQUIRED IMPORTED_TARGET xgboost)
target_link_libraries(movierec_lib PUBLIC PkgConfig::XGBOOST)
