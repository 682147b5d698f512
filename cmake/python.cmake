# The Python module movierec._core (pybind11), built when pybind11 and the
# Python headers are found. setup.py drives this build for `pip install .`.
option(MOVIEREC_PYTHON "Build the Python module (needs pybind11-dev, python3-dev)" ON)
if(NOT MOVIEREC_PYTHON)
  return()
endif()
# Debian's python3 carries the numpy, scipy and pandas the module is used with;
# prefer it to another python3 earlier on PATH (pyenv).
if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python 3.9 COMPONENTS Interpreter Development.Module QUIET)
if(Python_FOUND)
  set(PYBIND11_FINDPYTHON ON)
  find_package(pybind11 CONFIG QUIET)
endif()
if(NOT Python_FOUND OR NOT pybind11_FOUND)
  message(STATUS "movierec: Python module not built (needs pybind11-dev and python3-dev)")
  return()
endif()
file(GLOB MOVIEREC_PY_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/python/src/*.cpp)
# NO_EXTRAS: no LTO (a serial whole-library link step) and no stripping.
pybind11_add_module(movierec_python MODULE NO_EXTRAS ${MOVIEREC_PY_SOURCES})
set_target_properties(movierec_python PROPERTIES OUTPUT_NAME _core LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/python)
target_compile_options(movierec_python PRIVATE -Wall -Wextra)
target_link_libraries(movierec_python PRIVATE movierec_lib)

# pytest against the package installed into a virtual environment (python/run_tests).
if(MOVIEREC_TESTS)
  add_test(NAME python COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/python/run_tests ${CMAKE_BINARY_DIR})
  set_tests_properties(python PROPERTIES TIMEOUT 900)
endif()
