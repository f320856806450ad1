# The build's identity, computed at BUILD time (not configure time) by
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -DVERSION=... -DBUILD_TYPE=... -DCOMPILER=... -DFLAGS=...
#         [-DGIT=/usr/bin/git] -P cmake/build_identity.cmake
# which the always-run target `gene_build_identity` (cmake/BuildIdentity.cmake)
# runs before every build. It writes OUTPUT, a C++ source defining
# gene::build_info(), and rewrites it only when its text changed, so an
# unchanged tree recompiles nothing and a changed one recompiles that one file.
#
#   commit    `git rev-parse --short=12 HEAD`, or "unknown" without git
#   dirty     tracked files differ from HEAD (`git status --porcelain
#             --untracked-files=no` says anything); false without git
#   build_id  the first 16 hex digits of a SHA-256 over every source file of
#             the binaries (path and content, sorted by path: vm/, worker/,
#             coordinator/, proto/, report_format/, cmake/ and the top-level
#             CMakeLists.txt; tests `*_test.cc` and fuzz targets left out),
#             the compiler and the flags. Two builds that differ in any of
#             these get different ids, whatever git says.
foreach(var SOURCE_DIR OUTPUT VERSION BUILD_TYPE COMPILER FLAGS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_identity.cmake: -D${var}=... is required")
  endif()
endforeach()

# --- the sources, sorted by path relative to SOURCE_DIR -----------------------
set(patterns)
foreach(dir vm worker coordinator proto report_format)
  foreach(ext cc h proto txt cmake in)
    list(APPEND patterns "${SOURCE_DIR}/${dir}/*.${ext}")
  endforeach()
endforeach()
file(GLOB_RECURSE files LIST_DIRECTORIES false ${patterns})
file(GLOB cmake_files LIST_DIRECTORIES false "${SOURCE_DIR}/cmake/*")
list(APPEND files "${SOURCE_DIR}/CMakeLists.txt" ${cmake_files})
set(relative)
foreach(f IN LISTS files)
  file(RELATIVE_PATH r "${SOURCE_DIR}" "${f}")
  if(r MATCHES "_test\\.cc$" OR r MATCHES "(^|/)fuzz/")
    continue()
  endif()
  list(APPEND relative "${r}")
endforeach()
list(REMOVE_DUPLICATES relative)
list(SORT relative)

set(manifest "compiler ${COMPILER}\nflags ${FLAGS}\n")
foreach(r IN LISTS relative)
  file(SHA256 "${SOURCE_DIR}/${r}" h)
  string(APPEND manifest "${h} ${r}\n")
endforeach()
string(SHA256 digest "${manifest}")
string(SUBSTRING "${digest}" 0 16 build_id)

# --- git ---------------------------------------------------------------------
set(commit unknown)
set(dirty false)
if(GIT)
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE head RESULT_VARIABLE head_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(head_rc EQUAL 0 AND head)
    set(commit "${head}")
    # --no-optional-locks: never take the index lock a concurrent git command may hold.
    execute_process(COMMAND "${GIT}" --no-optional-locks -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes RESULT_VARIABLE status_rc ERROR_QUIET)
    if(status_rc EQUAL 0 AND NOT changes STREQUAL "")
      set(dirty true)
    endif()
  endif()
endif()

# --- the generated source ----------------------------------------------------
function(cxx_string out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" " " text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()
cxx_string(q_version "${VERSION}")
cxx_string(q_commit "${commit}")
cxx_string(q_build_id "${build_id}")
cxx_string(q_compiler "${COMPILER}")
cxx_string(q_build_type "${BUILD_TYPE}")
cxx_string(q_flags "${FLAGS}")
set(text "// Generated at build time by cmake/build_identity.cmake; do not edit.
#include \"gene/vm.h\"

namespace gene {

BuildInfo build_info() {
  BuildInfo b;
  b.version = ${q_version};
  b.commit = ${q_commit};
  b.dirty = ${dirty};
  b.build_id = ${q_build_id};
  b.compiler = ${q_compiler};
  b.build_type = ${q_build_type};
  b.flags = ${q_flags};
  return b;
}

}  // namespace gene
")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUTPUT}" "${text}")
endif()
