# Compiler warnings and sanitizers, applied to every target of the project through one
# interface library (never to third-party code).
add_library(flop_options INTERFACE)
target_compile_options(flop_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                              -Wno-deprecated-declarations)
if(FLOP_WERROR)
  target_compile_options(flop_options INTERFACE -Werror)
endif()

if(FLOP_SANITIZER STREQUAL "address")
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
elseif(FLOP_SANITIZER STREQUAL "thread")
  set(_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT FLOP_SANITIZER STREQUAL "")
  message(FATAL_ERROR "FLOP_SANITIZER must be '', 'address' or 'thread', not '${FLOP_SANITIZER}'")
endif()
if(_san)
  # Sanitizers must cover every object in the process, so they go on the whole build.
  add_compile_options(${_san})
  add_link_options(${_san})
endif()
