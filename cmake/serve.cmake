# movierec serve: the HTTP server library (src/serve), SQLite, and the web page
# (web/) compiled into it. Included by the top-level CMakeLists.txt after the
# library, CLI, test and bench targets exist.
find_package(SQLite3 REQUIRED)

file(GLOB MOVIEREC_WEB_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/*)
set(MOVIEREC_WEB_CPP ${CMAKE_BINARY_DIR}/generated/web_assets.cpp)
add_custom_command(
  OUTPUT ${MOVIEREC_WEB_CPP}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${CMAKE_COMMAND} -DOUT=${MOVIEREC_WEB_CPP} -DDIR=${CMAKE_SOURCE_DIR}/web -P
          ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
  DEPENDS ${MOVIEREC_WEB_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
  COMMENT "Embedding web/ into the server")

file(GLOB MOVIEREC_SERVE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/serve/*.cpp)
add_library(movierec_serve STATIC ${MOVIEREC_SERVE_SOURCES} ${MOVIEREC_WEB_CPP})
target_include_directories(movierec_serve PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_options(movierec_serve PRIVATE -Wall -Wextra)
set_target_properties(movierec_serve PROPERTIES POSITION_INDEPENDENT_CODE ON)  # linked into movierec_heavy.so
# image: the poster folder (file names only, no image decoding).
target_link_libraries(movierec_serve PUBLIC movierec_core movierec_image SQLite::SQLite3 PkgConfig::HTTPLIB
                      nlohmann_json::nlohmann_json Threads::Threads)

# `movierec serve` lives in movierec_heavy.so (cmake/cli.cmake, src/cli/lazy.h).
target_link_libraries(movierec_heavy PRIVATE movierec_serve)
if(TARGET test_serve)
  target_link_libraries(test_serve PRIVATE movierec_serve)
endif()
if(TARGET serve_bench)
  target_link_libraries(serve_bench PRIVATE PkgConfig::HTTPLIB)
endif()
if(MOVIEREC_TESTS)
  # The browser end-to-end test (tests/web, Node + Playwright driving Debian's
  # chromium); it skips (77) when node, chromium or tests/web/node_modules is missing.
  add_test(NAME web_e2e COMMAND ${CMAKE_SOURCE_DIR}/tests/web/run $<TARGET_FILE:movierec>)
  # RUN_SERIAL: under `ctest -j2` on the 2-core machine it failed now and then
  # (cause not found; alone it passed every time, even beside a loaded ctest).
  set_tests_properties(web_e2e PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 RUN_SERIAL TRUE)
endif()
