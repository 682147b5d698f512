# `cmake --install build --prefix P`: the static library (or libraries), the
# public headers of include/movierec, movierecConfig.cmake exporting
# movierec::movierec (its dependencies found again with find_dependency), a
# version file and movierec.pc. Consumers get no -march=native and no src/
# include folder: those are BUILD_INTERFACE-only (tests, benches and the Python
# module in this tree still reach internals).
include(CMakePackageConfigHelpers)

set(MOVIEREC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/movierec)
# The static libraries of cmake/targets.cmake, dependents first (the link
# order of movierec.pc); movierec::movierec is movierec_lib, their INTERFACE union.
set(MOVIEREC_PARTS movierec_tmdb movierec_vision movierec_net movierec_report movierec_image movierec_core)
set(MOVIEREC_PC_LIBS "")
foreach(t ${MOVIEREC_PARTS})
  target_include_directories(${t} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  get_target_property(out ${t} OUTPUT_NAME)
  if(NOT out)
    set(out ${t})
  endif()
  string(APPEND MOVIEREC_PC_LIBS " -l${out}")
  string(REPLACE movierec_ "" short ${t})
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${short})  # movierec::core, movierec::vision...
endforeach()
set_target_properties(movierec_lib PROPERTIES EXPORT_NAME movierec)
add_library(movierec::movierec ALIAS movierec_lib)

install(TARGETS movierec_lib ${MOVIEREC_PARTS} EXPORT movierecTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/movierec DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(EXPORT movierecTargets NAMESPACE movierec:: DESTINATION ${MOVIEREC_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/movierecConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/movierecConfig.cmake INSTALL_DESTINATION ${MOVIEREC_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/movierecConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/movierecConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/movierecConfigVersion.cmake
        DESTINATION ${MOVIEREC_CMAKE_DIR})

set(MOVIEREC_PC_REQUIRES "eigen3 opencv4 libcurl libarchive zlib libcrypto nlohmann_json fmt libjpeg libpng16 libwebp")
file(RELATIVE_PATH MOVIEREC_PC_UP /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)  # "../..", or "../../.." for lib/<triplet>
configure_file(${CMAKE_CURRENT_LIST_DIR}/movierec.pc.in ${CMAKE_CURRENT_BINARY_DIR}/movierec.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/movierec.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# examples/cpp built against an installed copy (a temporary prefix), as a user would.
if(MOVIEREC_TESTS)
  add_test(NAME install_consumer
           COMMAND ${CMAKE_COMMAND} -DBUILD=${CMAKE_BINARY_DIR} -DSOURCE=${CMAKE_CURRENT_SOURCE_DIR}
                   -DWORK=${CMAKE_BINARY_DIR}/install_consumer -P ${CMAKE_CURRENT_LIST_DIR}/consumer_test.cmake)
  set_tests_properties(install_consumer PROPERTIES TIMEOUT 900)
endif()
