# StaticKmod.cmake - a static libkmod for statically linked binaries.
#
# Debian ships libkmod only as a shared library, so this builds one from Debian's
# own kmod source package (same patches as the system's libkmod) at build time.
#
#   include(cmake/StaticKmod.cmake)
#   target_link_libraries(app PRIVATE modseal::kmod_static)
#   target_link_options(app PRIVATE -static)
#
# Provides: modseal::kmod_static (IMPORTED INTERFACE: <libkmod.h> + the static
#           libkmod and libshared archives, in link order)
#           modseal_kmod_build (the ExternalProject target behind it)
# Cache:    MODSEAL_MAKE,
#           MODSEAL_AUTORECONF, MODSEAL_MAKE (found automatically; override if needed)
#           MODSEAL_KMOD_DSC: a kmod .dsc already downloaded (scripts/fetch-kmod-source),
#           unpacked instead of fetching: a build without network access, as Debian
#           package builds are.
# Needs:    a deb-src entry for kmod (unless MODSEAL_KMOD_DSC), plus dpkg-dev autoconf
#           automake libtool pkg-config (scripts/setup installs it).
# libkmod is built without its decompressors: the hook reads, hashes and (where the kernel
# cannot) decompresses module files itself, and gives libkmod only names, for options. So
# kmod 34's dlopen() of them, which a static binary cannot do, never comes up.

# --- Download step ------------------------------------------------------------
# ExternalProject runs this same file with `cmake -P` to fetch the sources, so
# the version-dependent directory name never has to be known at configure time.
if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  # Leftovers of an interrupted run would make dpkg-source refuse to unpack. A new
  # source tree also needs a new build tree: unpacked files keep the tarball's
  # old mtimes, so make would trust objects and .la files from an earlier run.
  file(GLOB _stale LIST_DIRECTORIES true "${DOWNLOAD_DIR}/kmod-*")
  file(REMOVE_RECURSE ${_stale} "${SOURCE_DIR}" "${BINARY_DIR}")
  file(MAKE_DIRECTORY "${BINARY_DIR}")

  # One way to get the source, with or without a .dsc fetched beforehand.
  if(NOT KMOD_DSC)
    execute_process(
      COMMAND "${FETCH_KMOD_SOURCE}" "${DOWNLOAD_DIR}/dsc"
      RESULT_VARIABLE _rc OUTPUT_VARIABLE KMOD_DSC ERROR_VARIABLE _err
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "fetching Debian's kmod source failed:\n${_err}")
    endif()
  endif()
  execute_process(
    COMMAND dpkg-source -x "${KMOD_DSC}" "${DOWNLOAD_DIR}/kmod-from-dsc"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "dpkg-source -x ${KMOD_DSC} failed:\n${_out}")
  endif()

  file(GLOB _unpacked LIST_DIRECTORIES true "${DOWNLOAD_DIR}/kmod-*")
  list(LENGTH _unpacked _n)
  if(NOT _n EQUAL 1 OR NOT IS_DIRECTORY "${_unpacked}")
    message(FATAL_ERROR "expected one kmod-*/ directory in ${DOWNLOAD_DIR}, "
      "found: '${_unpacked}'")
  endif()
  message(STATUS "kmod source: ${_unpacked}")
  file(RENAME "${_unpacked}" "${SOURCE_DIR}")
  return()
endif()

# --- Build --------------------------------------------------------------------
include_guard(GLOBAL)
include(ExternalProject)

find_program(MODSEAL_AUTORECONF autoreconf REQUIRED)
set(MODSEAL_KMOD_DSC "" CACHE FILEPATH "kmod .dsc to unpack instead of fetching one (scripts/fetch-kmod-source)")
if(MODSEAL_KMOD_DSC AND NOT EXISTS "${MODSEAL_KMOD_DSC}")
  message(FATAL_ERROR "MODSEAL_KMOD_DSC: ${MODSEAL_KMOD_DSC} does not exist")
endif()

set(_kmod_root "${CMAKE_BINARY_DIR}/kmod-static")
set(_kmod_src "${_kmod_root}/src/kmod")
set(_kmod_bld "${_kmod_root}/build")
set(_kmod_inc "${_kmod_root}/include")
set(_kmod_libs
  "${_kmod_bld}/libkmod/.libs/libkmod-internal.a"
  "${_kmod_bld}/shared/.libs/libshared.a")

# Under make, "$(MAKE)" joins the parent's jobserver; ninja has none to join.
if(CMAKE_GENERATOR MATCHES "Makefiles")
  set(_kmod_make "$(MAKE)")
else()
  find_program(MODSEAL_MAKE NAMES gmake make REQUIRED)
  cmake_host_system_information(RESULT _ncpu QUERY NUMBER_OF_LOGICAL_CORES)
  set(_kmod_make "${MODSEAL_MAKE}" "-j${_ncpu}")
endif()

set(_kmod_cc "")
if(CMAKE_C_COMPILER)
  set(_kmod_cc "CC=${CMAKE_C_COMPILER}")
endif()

ExternalProject_Add(modseal_kmod_build
  PREFIX "${_kmod_root}"
  DOWNLOAD_DIR "${_kmod_root}/src"
  SOURCE_DIR "${_kmod_src}"
  BINARY_DIR "${_kmod_bld}"
  STAMP_DIR "${_kmod_root}/stamp"
  DOWNLOAD_COMMAND "${CMAKE_COMMAND}"
    -DFETCH_KMOD_SOURCE=${PROJECT_SOURCE_DIR}/scripts/fetch-kmod-source
    -DKMOD_DSC=${MODSEAL_KMOD_DSC}
    -DDOWNLOAD_DIR=<DOWNLOAD_DIR> -DSOURCE_DIR=<SOURCE_DIR> -DBINARY_DIR=<BINARY_DIR>
    -P "${CMAKE_CURRENT_LIST_FILE}"
  # The Debian tarball is a git snapshot without ./configure. gtkdocize is only
  # needed for the docs, and Makefile.am merely includes its output, so an empty
  # gtk-doc.make (what upstream's autogen.sh does too) avoids gtk-doc-tools.
  PATCH_COMMAND "${CMAKE_COMMAND}" -E touch <SOURCE_DIR>/libkmod/docs/gtk-doc.make
    COMMAND "${MODSEAL_AUTORECONF}" -fi <SOURCE_DIR>
  # No --enable-static: kmod's configure rejects it. The noinst convenience
  # library libkmod-internal.la is always a static archive, so build that.
  # --sysconfdir=/etc because libkmod compiles in SYSCONFDIR/modprobe.d.
  CONFIGURE_COMMAND <SOURCE_DIR>/configure ${_kmod_cc} --sysconfdir=/etc
    --without-xz --without-zstd --without-zlib --without-openssl
    --disable-tools --disable-manpages --disable-test-modules
  BUILD_COMMAND ${_kmod_make} libkmod/libkmod-internal.la shared/libshared.la
    # Only the public header, so consumers cannot reach libkmod's internals.
    COMMAND "${CMAKE_COMMAND}" -E copy_if_different
      <SOURCE_DIR>/libkmod/libkmod.h "${_kmod_inc}/libkmod.h"
  BUILD_BYPRODUCTS ${_kmod_libs} "${_kmod_inc}/libkmod.h"
  INSTALL_COMMAND ""
  LOG_PATCH TRUE LOG_CONFIGURE TRUE LOG_BUILD TRUE LOG_OUTPUT_ON_FAILURE TRUE)

# Imported targets must point at an existing include dir at generate time.
file(MAKE_DIRECTORY "${_kmod_inc}")

add_library(modseal::kmod_static INTERFACE IMPORTED GLOBAL)
set_target_properties(modseal::kmod_static PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_kmod_inc}"
  # libkmod-internal needs libshared: keep this order.
  INTERFACE_LINK_LIBRARIES "${_kmod_libs}")
# Consumers inherit this, so they compile and link only after kmod is built.
add_dependencies(modseal::kmod_static modseal_kmod_build)
