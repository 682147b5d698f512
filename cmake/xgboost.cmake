# xgboost's C API for the `ltr` re-ranker and the `blend` model (in movierec_core;
# Debian libxgboost-dev). Through pkg-config: Debian's CMake package config
# names an /usr/bin/xgboost that only the separate `xgboost` CLI package
# installs, and fails without it.
# Only its header is used at build time: src/models/xgboost_api.cpp opens the
# library with dlopen on first use (linking it cost every command ~2.4 ms of
# start-up), by the soname read here from the library pkg-config found.
pkg_check_modules(XGBOOST REQUIRED xgboost)
target_include_directories(movierec_core PRIVATE ${XGBOOST_INCLUDE_DIRS})
target_link_libraries(movierec_core PUBLIC ${CMAKE_DL_LIBS})
find_library(MOVIEREC_XGBOOST_SO NAMES xgboost HINTS ${XGBOOST_LIBRARY_DIRS} REQUIRED)
set(xgboost_soname "")
if(CMAKE_OBJDUMP)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${MOVIEREC_XGBOOST_SO} OUTPUT_VARIABLE xgboost_dynamic ERROR_QUIET)
  string(REGEX MATCH "SONAME +([^ \n]+)" _ "${xgboost_dynamic}")
  set(xgboost_soname "${CMAKE_MATCH_1}")
endif()
if(NOT xgboost_soname)
  get_filename_component(xgboost_soname ${MOVIEREC_XGBOOST_SO} NAME)
endif()
message(STATUS "xgboost: ${xgboost_soname}, opened on first use")
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/src/models/xgboost_api.cpp PROPERTIES COMPILE_DEFINITIONS
                            "MOVIEREC_XGBOOST_LIBRARY=\"${xgboost_soname}\"")
