# The library, split by dependency weight (STYLE.md §6), one static library each:
#   movierec_core    data, split, models, eval, util (+ the feature file reader):
#                    OpenMP, Eigen, fmt, zlib. Loads in a few milliseconds.
#   movierec_image   JPEG/PNG/WebP codec (libjpeg-turbo, libpng, libwebp).
#   movierec_vision  OpenCV DNN poster embeddings, gallery.
#   movierec_net     libcurl downloads, archives, digests (curl, libarchive, OpenSSL).
#   movierec_tmdb    TMDB client and poster cache (net + image checks).
# OpenCV's imgcodecs is not linked: it loads ~140 shared libraries (GDAL, GDCM,
# poppler...); tests may use it as an independent encoder.
#   movierec_lib     INTERFACE: all of them, for tests, benches and in-tree tools.
# Each src/<folder> belongs to exactly one target (the table below); a new
# folder fails the configure step until it is given one.
set(MOVIEREC_TARGET_OF_core core)
set(MOVIEREC_TARGET_OF_data core)
set(MOVIEREC_TARGET_OF_split core)
set(MOVIEREC_TARGET_OF_models core)
set(MOVIEREC_TARGET_OF_eval core)
set(MOVIEREC_TARGET_OF_util core)
set(MOVIEREC_TARGET_OF_features core)
set(MOVIEREC_TARGET_OF_vision vision)
set(MOVIEREC_TARGET_OF_report vision)
set(MOVIEREC_TARGET_OF_net net)
set(MOVIEREC_TARGET_OF_tmdb tmdb)
set(MOVIEREC_TARGET_OF_cli cli)    # the executable, below
set(MOVIEREC_TARGET_OF_serve serve)  # its own target (cmake/serve.cmake)
set(MOVIEREC_TARGET_OF_python python)  # the pybind11 module (cmake/python.cmake)
# Single files whose folder is heavier than they are (they hold no OpenCV or
# curl): the poster model reads feature files, so the reader lives in core;
# the item features (src/features) reduce poster features by PCA (Eigen only).
set(MOVIEREC_FILE_TARGETS src/vision/feature_file.cpp=core src/vision/pca.cpp=core
                            src/vision/image_codec.cpp=image)

foreach(t core image vision net tmdb)
  set(MOVIEREC_${t}_SOURCES "")
endforeach()
file(GLOB MOVIEREC_SRC_DIRS LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*)
foreach(dir ${MOVIEREC_SRC_DIRS})
  if(NOT IS_DIRECTORY ${dir})
    continue()
  endif()
  get_filename_component(folder ${dir} NAME)
  if(NOT DEFINED MOVIEREC_TARGET_OF_${folder})
    message(FATAL_ERROR "src/${folder}: give it a library target in cmake/targets.cmake (core, vision, net or tmdb)")
  endif()
  set(t ${MOVIEREC_TARGET_OF_${folder}})
  if(NOT t MATCHES "^(core|vision|net|tmdb)$")
    continue()
  endif()
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${dir}/*.cpp)
  foreach(src ${srcs})
    file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR} ${src})
    set(target ${t})
    foreach(pair ${MOVIEREC_FILE_TARGETS})
      if(pair MATCHES "^${rel}=(.*)$")
        set(target ${CMAKE_MATCH_1})
      endif()
    endforeach()
    list(APPEND MOVIEREC_${target}_SOURCES ${src})
  endforeach()
endforeach()

# Flags every part of the library shares.
function(movierec_library_target name)
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
  # Tests and benches reach internal headers; an installed package has none.
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/src>)
  target_compile_options(${name} PRIVATE -Wall -Wextra)
  # Eigen's own OpenMP GEMM synchronises its threads by spinning: on a busy
  # machine (fewer free cores than threads) a 64 x 138k x 64 product took 70x
  # longer with 2 threads than with 1. The library parallelises over rows itself.
  target_compile_definitions(${name} PUBLIC EIGEN_DONT_PARALLELIZE)
  if(MOVIEREC_NATIVE)
    target_compile_options(${name} PUBLIC $<BUILD_INTERFACE:-march=native>)
  endif()
endfunction()

add_library(movierec_core STATIC ${MOVIEREC_core_SOURCES})
movierec_library_target(movierec_core)
target_link_libraries(movierec_core PUBLIC OpenMP::OpenMP_CXX Eigen3::Eigen ZLIB::ZLIB fmt::fmt Threads::Threads)

pkg_check_modules(IMAGE_CODECS REQUIRED IMPORTED_TARGET libjpeg libpng16 libwebp)
add_library(movierec_image STATIC ${MOVIEREC_image_SOURCES})
movierec_library_target(movierec_image)
target_link_libraries(movierec_image PRIVATE PkgConfig::IMAGE_CODECS)

add_library(movierec_vision STATIC ${MOVIEREC_vision_SOURCES})
movierec_library_target(movierec_vision)
target_link_libraries(movierec_vision PUBLIC movierec_core movierec_image opencv_core opencv_imgproc opencv_dnn
                      PRIVATE nlohmann_json::nlohmann_json)
target_include_directories(movierec_vision SYSTEM PUBLIC $<BUILD_INTERFACE:${OpenCV_INCLUDE_DIRS}>)

add_library(movierec_net STATIC ${MOVIEREC_net_SOURCES})
movierec_library_target(movierec_net)
target_link_libraries(movierec_net PUBLIC movierec_core CURL::libcurl LibArchive::LibArchive OpenSSL::Crypto ZLIB::ZLIB)

add_library(movierec_tmdb STATIC ${MOVIEREC_tmdb_SOURCES})
movierec_library_target(movierec_tmdb)
target_link_libraries(movierec_tmdb PUBLIC movierec_net movierec_image PRIVATE nlohmann_json::nlohmann_json)

# Everything, for tests, benches and tools that reach any part.
add_library(movierec_lib INTERFACE)
target_link_libraries(movierec_lib INTERFACE movierec_core movierec_image movierec_vision movierec_net movierec_tmdb
                      nlohmann_json::nlohmann_json)
