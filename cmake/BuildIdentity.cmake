# Defines the always-run target `gene_build_identity`, which runs
# cmake/build_identity.cmake at every build to (re)write
# ${GENE_BUILD_IDENTITY_SOURCE}: gene::build_info() with the version, the
# commit, whether the tree is dirty, the build id (a hash of the sources,
# compiler and flags), the compiler and the flags. gene_vm compiles it.
find_package(Git QUIET)

string(TOUPPER "${CMAKE_BUILD_TYPE}" gene_build_type_upper)
get_directory_property(gene_directory_options COMPILE_OPTIONS)
set(gene_build_flags ${CMAKE_BUILD_TYPE} ${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${gene_build_type_upper}}
                     ${gene_directory_options})
# Options that change the binaries without showing in the flags above.
if(GENE_NO_COUNTERS)
  list(APPEND gene_build_flags -DGENE_NO_COUNTERS)
endif()
if(GENE_FUZZ)
  list(APPEND gene_build_flags -fsanitize=fuzzer-no-link)
endif()
string(JOIN " " gene_build_flags ${gene_build_flags})
string(REGEX REPLACE " +" " " gene_build_flags "${gene_build_flags}")
string(STRIP "${gene_build_flags}" gene_build_flags)

set(GENE_BUILD_IDENTITY_SOURCE ${CMAKE_BINARY_DIR}/generated/build_identity.cc)
add_custom_target(gene_build_identity
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DOUTPUT=${GENE_BUILD_IDENTITY_SOURCE}
          -DVERSION=${PROJECT_VERSION}
          -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          "-DCOMPILER=${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}"
          "-DFLAGS=${gene_build_flags}"
          "-DGIT=${GIT_EXECUTABLE}"
          -P ${CMAKE_SOURCE_DIR}/cmake/build_identity.cmake
  BYPRODUCTS ${GENE_BUILD_IDENTITY_SOURCE}
  COMMENT "Build identity (commit, dirty, build id)"
  VERBATIM)
