// A fresh directory per test (or benchmark) run under the system temp directory. Plain
// C++ (no gtest), so bench/ can use it too.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace ballast::testing {

// <temp>/<prefix>-<pid>-<n>, emptied and created: unique to this process and call.
inline std::filesystem::path fresh_temp_dir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::filesystem::path d =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace ballast::testing
