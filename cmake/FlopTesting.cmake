# Test tiers (CTest labels):
#   unit         no cluster
#   integration  the real local API server (fixture `cluster`)
#   e2e          the real control plane plus the fl-operator process (fixture `cluster`)
#   bench        figures; excluded from the default run (`ctest -L bench` runs them)
#
# The `cluster` fixture starts deploy/local/cluster.sh once per ctest run and stops it at the end,
# so any selection of tests that needs it just works. Tests get:
#   KUBECONFIG          admin kubeconfig of the local cluster
#   FLOP_CLUSTER_DIR    the cluster's state directory (certs, logs, kubeconfig)
#   PATH                starts with the cluster's bin/ (kubectl, helm, kwok, ...)
#   FLOP_SOURCE_DIR     the source tree; FLOP_BINARY_DIR the build tree
#   FLOP_SHARED_DIR     ../shared beside the clone (reference docs and test data)
# The `crds` fixture installs crds/*.yaml once the cluster is up (and waits for Established).
# Each test creates its own namespace (tests/support/with-namespace.sh for scripts); e2e tests
# run their own fl-operator scoped to it (tests/support/operator.sh).
include(GoogleTest)

set(FLOP_CLUSTER_DIR "${CMAKE_BINARY_DIR}/test-cluster" CACHE PATH "State directory of the test cluster")
get_filename_component(FLOP_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
set(FLOP_SHARED_DIR "${FLOP_SHARED_DIR}" CACHE PATH "shared/ directory with reference docs and test data")

set(FLOP_TEST_ENV
    "FLOP_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "FLOP_BINARY_DIR=${CMAKE_BINARY_DIR}"
    "FLOP_SHARED_DIR=${FLOP_SHARED_DIR}"
    "FLOP_TESTDATA_DIR=${FLOP_SHARED_DIR}/testdata")
set(FLOP_CLUSTER_ENV
    ${FLOP_TEST_ENV}
    "KUBECONFIG=${FLOP_CLUSTER_DIR}/kubeconfig"
    "FLOP_CLUSTER_DIR=${FLOP_CLUSTER_DIR}"
    "PATH=${FLOP_CLUSTER_DIR}/bin:$ENV{PATH}")

# flop_add_gtest(<target> SOURCES ... [LIBS ...] LABEL unit|integration|e2e|bench [TIMEOUT s])
# Builds a GoogleTest binary and registers each of its tests with CTest under the label.
function(flop_add_gtest target)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_LABEL)
    message(FATAL_ERROR "flop_add_gtest(${target}): LABEL is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(ARG_LABEL STREQUAL "bench" AND NOT FLOP_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE flop_options GTest::gtest_main GTest::gmock ${ARG_LIBS})
  if(ARG_LABEL STREQUAL "unit")
    set(fixtures "")
    set(env "${FLOP_TEST_ENV}")
  else()
    set(fixtures "cluster;crds")
    set(env "${FLOP_CLUSTER_ENV}")
  endif()
  gtest_discover_tests(${target} TEST_PREFIX "${target}." DISCOVERY_TIMEOUT 60
                       TEST_LIST ${target}_TESTS)
  # gtest_discover_tests' PROPERTIES flattens list values (ENVIRONMENT, fixtures), so the
  # properties are set by a script CTest includes after the discovered tests are defined.
  set(props_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_properties.cmake")
  file(WRITE "${props_file}"
       "set_tests_properties(\${${target}_TESTS} PROPERTIES LABELS [==[${ARG_LABEL}]==] "
       "TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT [==[${env}]==]")
  if(fixtures)
    file(APPEND "${props_file}" " FIXTURES_REQUIRED [==[${fixtures}]==]")
  endif()
  file(APPEND "${props_file}" ")\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${props_file}")
endfunction()

# flop_add_script_test(<name> LABEL <label> COMMAND <cmd...> [TIMEOUT s])
# Registers a script test; cluster labels get the fixture and environment.
function(flop_add_script_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "COMMAND" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${ARG_COMMAND})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABEL STREQUAL "unit")
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${FLOP_TEST_ENV}")
  else()
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "cluster;crds"
                                            ENVIRONMENT "${FLOP_CLUSTER_ENV}")
  endif()
endfunction()
