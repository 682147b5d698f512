# The movierec executable, and movierec_heavy.so: the commands whose libraries
# are heavy (OpenCV DNN; curl, libarchive, OpenSSL; cpp-httplib, SQLite), loaded only when one of
# them runs (src/cli/lazy.h). The executable links the light targets only and
# exports its symbols, which the module's CLI code calls.
set(MOVIEREC_HEAVY_CLI_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/cmd_fetch.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/cmd_posters.cpp ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/cmd_serve.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/heavy_entry.cpp)
file(GLOB MOVIEREC_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cli/*.cpp)
list(REMOVE_ITEM MOVIEREC_CLI_SOURCES ${MOVIEREC_HEAVY_CLI_SOURCES})

add_executable(movierec ${MOVIEREC_CLI_SOURCES})
set_target_properties(movierec PROPERTIES ENABLE_EXPORTS ON)
target_compile_options(movierec PRIVATE -Wall -Wextra)
target_link_libraries(movierec PRIVATE movierec_core movierec_image movierec_report
                      nlohmann_json::nlohmann_json CLI11::CLI11 ${CMAKE_DL_LIBS})
# Only what the code calls becomes a DT_NEEDED entry.
target_link_options(movierec PRIVATE -Wl,--as-needed)

add_library(movierec_heavy MODULE ${MOVIEREC_HEAVY_CLI_SOURCES})
set_target_properties(movierec_heavy PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
target_compile_options(movierec_heavy PRIVATE -Wall -Wextra)
target_link_libraries(movierec_heavy PRIVATE movierec_vision movierec_net movierec_tmdb movierec_report
                      nlohmann_json::nlohmann_json CLI11::CLI11)
add_dependencies(movierec movierec_heavy)
