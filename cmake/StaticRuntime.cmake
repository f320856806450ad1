# A short-lived `gene run` pays the dynamic loader for every shared library
# it loads: Abseil (for absl::Status, through gene_report_format) alone was
# 25 of them, more instructions before main than a small program's whole
# run. gene_link_statically(target) links the target's Abseil from
# Debian's static archives (libabsl_*.a beside each .so) instead of the
# shared ones, and the whole binary statically (-static: libc, libm and
# libstdc++ too, nothing left for the loader to do) outside the sanitizer
# and fuzz builds, whose runtimes need the dynamic libc.
#
# Only for binaries that load no other copy of Abseil: the worker and the
# coordinator link gRPC, whose shared libraries bring Abseil's, and two
# copies of its globals in one process would not be safe.

find_package(absl CONFIG REQUIRED)  # its imported targets are seen only where it is found

# The static archives behind `lib` and everything it links.
function(_gene_absl_archives out lib)
  set(found ${${out}})
  if(NOT TARGET ${lib} OR NOT lib MATCHES "^absl::" OR lib IN_LIST _gene_absl_seen)
    set(${out} ${found} PARENT_SCOPE)
    return()
  endif()
  list(APPEND _gene_absl_seen ${lib})
  set(_gene_absl_seen ${_gene_absl_seen} PARENT_SCOPE)
  get_target_property(type ${lib} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    get_target_property(so ${lib} IMPORTED_LOCATION_NONE)
    string(REGEX REPLACE "\\.so(\\.[0-9]+)*$" ".a" archive "${so}")
    if(NOT EXISTS "${archive}")
      message(FATAL_ERROR "${lib}: no static archive ${archive} beside ${so}")
    endif()
    list(APPEND found "${archive}")
  endif()
  get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
  if(deps)
    foreach(dep IN LISTS deps)
      _gene_absl_archives(found ${dep})
    endforeach()
  endif()
  set(_gene_absl_seen ${_gene_absl_seen} PARENT_SCOPE)
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# Links Abseil's `lib` (absl::status, absl::statusor) into `target`, a
# library, for every binary that uses it, except one that
# gene_link_statically set up: that binary links Abseil's static archives
# itself, and the shared libraries on top would load a second copy.
function(gene_link_absl target lib)
  target_link_libraries(${target} PUBLIC $<$<NOT:$<BOOL:$<TARGET_PROPERTY:GENE_STATIC_ABSL>>>:${lib}>)
endfunction()

function(gene_link_statically target)
  set(_gene_absl_seen "")
  set(archives "")
  _gene_absl_archives(archives absl::statusor)  # and absl::status, which it links
  # gene_report_format and gene_vm leave Abseil out of this target's link.
  set_target_properties(${target} PROPERTIES GENE_STATIC_ABSL ON)
  # A group: the archives need each other in no single order.
  target_link_libraries(${target} PRIVATE -Wl,--start-group ${archives} -Wl,--end-group)
  if(NOT GENE_SANITIZE AND NOT GENE_FUZZ)
    target_link_options(${target} PRIVATE -static)
  endif()
endfunction()
