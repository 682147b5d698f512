# Sanitizer and fuzzing builds (issue 11), included once from CMakeLists.txt
# before any target so that every target built here is instrumented.
#   -DMOVIEREC_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer (gcc or clang);
#                           any finding aborts the test (-fno-sanitize-recover).
#   -DMOVIEREC_FUZZ=ON      also the libFuzzer harnesses of tests/fuzz (clang only;
#                           implies MOVIEREC_SANITIZE). scripts/sanitize builds both.
option(MOVIEREC_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(MOVIEREC_FUZZ "Build the libFuzzer harnesses of tests/fuzz (clang)" OFF)

if(MOVIEREC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MOVIEREC_FUZZ needs clang (-fsanitize=fuzzer): configure with CXX=clang++-14")
  endif()
  set(MOVIEREC_SANITIZE ON)
endif()

if(MOVIEREC_SANITIZE)
  set(MOVIEREC_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # Debian's hnswlib 0.6.2 reads one element past a link list to compute a
    # prefetch address (hnswalg.h); cmake/sanitize-ignore.txt names the functions.
    list(APPEND MOVIEREC_SANITIZE_FLAGS "-fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/sanitize-ignore.txt")
  endif()
  if(MOVIEREC_FUZZ)
    list(APPEND MOVIEREC_SANITIZE_FLAGS -fsanitize=fuzzer-no-link)
  endif()
  add_compile_options(${MOVIEREC_SANITIZE_FLAGS})
  add_link_options(-fsanitize=address,undefined)
endif()

# Called after the library target exists: one executable per tests/fuzz/*_fuzz.cpp,
# registered as a CTest test that runs it for MOVIEREC_FUZZ_SECONDS on its seed
# corpus (tests/fuzz/corpus/<name>), so CI fuzzes every harness a little.
function(movierec_add_fuzzers lib)
  if(NOT MOVIEREC_FUZZ)
    return()
  endif()
  set(MOVIEREC_FUZZ_SECONDS 20 CACHE STRING "seconds each harness runs under ctest")
  file(GLOB fuzz_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*_fuzz.cpp)
  foreach(src ${fuzz_sources})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE ${lib} -fsanitize=fuzzer)
    if(name STREQUAL "serve_fuzz")
      target_link_libraries(${name} PRIVATE movierec_serve)  # defined later, by cmake/serve.cmake
    endif()
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz)
    target_compile_definitions(${name} PRIVATE MOVIEREC_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    add_test(NAME fuzz.${name}
             COMMAND ${CMAKE_SOURCE_DIR}/scripts/fuzz --binary $<TARGET_FILE:${name}> ${name} ${MOVIEREC_FUZZ_SECONDS})
    # One harness at a time (each keeps a core busy); other tests still run beside it.
    set_tests_properties(fuzz.${name} PROPERTIES TIMEOUT 600 LABELS fuzz RESOURCE_LOCK fuzz)
  endforeach()
endfunction()
