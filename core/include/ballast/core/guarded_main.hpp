// The one `main` body every executable shares: whatever escapes its real main (bad_alloc
// on a hostile input, a library's throw) ends the process with one line on stderr and
// exit 1, never an abort and a core dump.
#pragma once

#include <cstdio>
#include <exception>

namespace ballast {

inline int run_guarded_main(const char* name, int (*run)(int, char**), int argc,
                            char** argv) noexcept {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: fatal: %s\n", name, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: fatal: unknown exception\n", name);
  }
  return 1;
}

}  // namespace ballast
